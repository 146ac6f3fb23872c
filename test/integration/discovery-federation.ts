/** A federation of nodes in this process on 127.0.0.1, for the discovery integration tests. */
import { initDataDir } from '../../src/datadir/index.js'
import { createNode } from '../../src/node/index.js'
import type { FulcrumNode, NodeInit } from '../../src/node/index.js'
import { OFFER_TOPIC } from '../../src/discovery/index.js'
import { signOffer } from '../../src/offers/index.js'
import type { Offer } from '../../src/offers/index.js'
import type { Identity } from '../../src/identity/index.js'
import { makeOffer } from '../helpers/offers.js'
import { tempDir } from '../helpers/tmp.js'
import { events, until } from '../helpers/wait.js'

/** One node with its data dir. */
export interface Member {
  node: FulcrumNode
  dir: string
  cleanup: () => Promise<void>
}


/** Creates and starts a node in a fresh data dir, bootstrapping from `bootstrap`. */
export async function startMember (bootstrap: string[], init: Partial<NodeInit> = {}, dir?: string): Promise<Member> {
  let cleanup = async (): Promise<void> => {}
  let path = dir
  if (path === undefined) {
    const tmp = await tempDir('fulcrum-fed-')
    path = tmp.path
    cleanup = tmp.cleanup
    await initDataDir(path, { listen: ['/ip4/127.0.0.1/tcp/0'] })
  }
  const node = await createNode({ dataDir: path, api: false, ...init, config: { bootstrap, ...init.config } })
  await node.start()
  return { node, dir: path, cleanup }
}

/**
 * Starts `n` nodes; node i bootstraps from node floor((i-1)/2) (a binary tree: the mesh must
 * relay, no node hears every other directly at first). Resolves once every node has a gossip mesh.
 */
export async function startFederation (n: number, init: Partial<NodeInit> = {}): Promise<Member[]> {
  const members: Member[] = []
  try {
    for (let i = 0; i < n; i++) {
      const parent = members[Math.floor((i - 1) / 2)]
      members.push(await startMember(parent === undefined ? [] : [parent.node.multiaddrs()[0] as string], init))
    }
    await waitForMesh(members)
  } catch (err) {
    await stopAll(members)
    throw err
  }
  return members
}

/** Parts of the gossipsub implementation that tests observe (the service interface does not declare them). */
interface GossipInternals {
  getMeshPeers: (topic: string) => string[]
  getScore: (peerId: string) => number
}

/** The gossipsub internals of a node. */
export function gossipOf (member: Member): GossipInternals {
  return member.node.libp2p.services.pubsub as unknown as GossipInternals
}

/** Waits until every running node has at least one mesh peer on the offer topic. */
export async function waitForMesh (members: Member[]): Promise<void> {
  await until(() => members.every(m => gossipOf(m).getMeshPeers(OFFER_TOPIC).length > 0), 'gossip meshes')
}

/**
 * gossipsub advertises (IHAVE) the messages of its last 3 heartbeats to peers that join; once every
 * node has beaten this often, what was published before is no longer gossiped to newcomers.
 */
export const HEARTBEATS_TO_FORGET = 4

/** Waits until every node has run `count` gossipsub heartbeats from now. */
export async function heartbeats (members: Member[], count: number): Promise<void> {
  await Promise.all(members.map(async m => { await events(m.node.libp2p.services.pubsub as unknown as EventTarget, 'gossipsub:heartbeat', count) }))
}

/** Stops every node and removes its data dir. */
export async function stopAll (members: Member[]): Promise<void> {
  await Promise.all(members.map(async m => {
    await m.node.stop().catch(() => {})
    await m.cleanup()
  }))
}

/** A signed offer record (not a withdrawal). */
export interface SignedOffer { kind: 'offer', body: Offer, signature: Uint8Array }

/** A signed offer valid from `now` (default: the real time) for `lifetimeMs`. */
export function liveOffer (identity: Identity, id: string, lifetimeMs = 3_600_000, overrides: Parameters<typeof makeOffer>[1] = {}, now = Date.now()): SignedOffer {
  const body = makeOffer(identity, { id, seq: now, issuedAt: now, expiresAt: now + lifetimeMs, ...overrides })
  return { kind: 'offer', body, signature: signOffer(body, identity).signature }
}

/** True if `member` holds `provider/id` at `seq` (or any seq if omitted). */
export function holds (member: Member, provider: string, id: string, seq?: number): boolean {
  const held = member.node.catalog.seqOf(provider, id)
  return held !== undefined && (seq === undefined || held === seq)
}
