/** What the API serves, provided by the node (`node/`): the API itself only does HTTP. */
import type { OfferFilter, RecordJson } from '../offers/index.js'

/** A record in API answers: its JSON form and what the catalog did with it. */
export interface PublishResult {
  decision: string
  record: RecordJson
}

/** The operations behind the routes. Each may throw a FulcrumError, shown to the client with its code. */
export interface ApiBackend {
  /** Publishes an offer: a draft (signed here with the node's key) or a signed record in JSON form. */
  publish: (body: unknown) => Promise<PublishResult>
  /** Withdraws one of the node's offers; undefined if the node has no such offer. */
  withdraw: (id: string) => Promise<PublishResult | undefined>
  /** The node's own live offers. */
  ownOffers: () => Promise<RecordJson[]>
  /** A page of the catalog matching a filter. */
  search: (filter: OfferFilter, limit: number | undefined, cursor: string | undefined) => Promise<{ records: RecordJson[], nextCursor?: string }>
  /** Connected peers. */
  peers: () => Array<{ peerId: string, addresses: string[] }>
  /** Liveness and a few counters. */
  health: () => Record<string, unknown>
}
