/**
 * The shapes the control API exchanges, as zod schemas: the route table (routes.ts) names them for
 * its bodies, queries and answers, the router checks requests with them, and the OpenAPI document
 * (openapi.ts) is generated from them, so the description cannot drift from what is served.
 * Answers are strict objects: a field the document does not name fails the route test.
 *
 * Schemas given an id (`named`) become named components of the OpenAPI document.
 */
import { MAX_REASON_LENGTH as MAX_TERMINATION_REASON_LENGTH } from '../ledger/entries.js'
import { MAX_NOTICE_DAYS } from '../orders/constants.js'
import { z } from 'zod'

/**
 * Names `schema` (zod's global registry, which `z.toJSONSchema` reads): it becomes
 * `#/components/schemas/<id>` in the OpenAPI document.
 */
function named<T extends z.ZodType> (id: string, description: string, schema: T): T {
  return schema.meta({ id, description }) as T
}

/** Largest page a list route returns; larger `limit` values are refused (400). */
export const MAX_PAGE_LIMIT = 1000
/** Page size of list routes when the request names none. */
export const DEFAULT_PAGE_LIMIT = 100
/** Longest id or cursor accepted in a path or query (ids are at most 128 characters: offer-v1). */
export const MAX_ID_LENGTH = 1024

/** Decimal digits in a query string (no sign, at most 16 digits), described for the document. */
const digits = (description: string): z.ZodString => z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'a non-negative integer').describe(description)
/** A non-negative integer in a query string. */
export const queryInt = digits('a non-negative integer, in decimal').transform(Number).refine(Number.isSafeInteger, 'a safe integer')
/** A page size in a query string: 1..MAX_PAGE_LIMIT. */
export const queryLimit = digits(`a page size from 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`).transform(Number)
  .refine(n => n >= 1 && n <= MAX_PAGE_LIMIT, `from 1 to ${MAX_PAGE_LIMIT}`)
/** An id in a path or query. */
export const idString = z.string().min(1).max(MAX_ID_LENGTH)

/** The body of every error answer. */
export const ERROR = named('Error', 'An error: a stable code (errors/status.ts gives its HTTP status), a message and the dotted path of the bad field if known.', z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), path: z.string().optional() })
}))

/** A signed record (offer or withdrawal) in its JSON form (protocols/offer-v1.md). */
export const RECORD = named('Record', 'A signed offer or withdrawal (protocols/offer-v1.md); signature in base64.', z.strictObject({
  v: z.literal(1),
  kind: z.enum(['offer', 'withdrawal']),
  body: z.record(z.string(), z.unknown()),
  signature: z.string()
}))

/** What publishing or withdrawing did. */
export const PUBLISH_RESULT = named('PublishResult', 'The record as stored and what the catalog decided (store, or why not).', z.strictObject({
  decision: z.string(),
  record: RECORD
}))

/** An offer draft or a signed record (checked by offer validation, which names the bad field). */
export const OFFER_INPUT = z.record(z.string(), z.unknown()).meta({
  description: 'An offer draft (signed here with the node\'s key; `provider`, `seq`, times and `addresses` are filled in) or a signed record of this node (protocols/offer-v1.md).'
})

/** A catalog filter (types here; values are checked by the catalog: OFFER_BAD_FILTER). */
export const FILTER = named('Filter', 'A catalog filter: every given field must match (protocols/discovery-v1.md §Query).', z.strictObject({
  type: z.string(),
  countries: z.array(z.string()),
  jurisdictions: z.array(z.string()),
  provider: z.string(),
  currency: z.string(),
  maxPrice: z.strictObject({ amount: z.string(), unit: z.string() }),
  certifications: z.array(z.string()),
  minCapacity: z.number(),
  minAvailability: z.string(),
  minSpecs: z.record(z.string(), z.number())
}).partial())

/** `POST /v1/search` body. */
export const SEARCH_BODY = z.strictObject({
  filter: FILTER.optional(),
  limit: z.int().min(1).max(MAX_PAGE_LIMIT).optional(),
  cursor: z.string().max(MAX_ID_LENGTH).optional()
})

/** A page of catalog records. */
export const SEARCH_PAGE = z.strictObject({ records: z.array(RECORD), nextCursor: z.string().optional() })

/** A connected peer. */
export const PEER = named('Peer', 'A connected peer and the addresses it listens on (with /p2p/).', z.strictObject({
  peerId: z.string(),
  addresses: z.array(z.string())
}))

/** Order statuses of the provider side (protocols/order-v1.md §API). */
export const ORDER_STATUSES = ['pending', 'held', 'committed', 'released', 'expired', 'refused'] as const

/** A provider's order. */
/** A termination of a committed agreement (protocols/order-v1.md §5.3). */
export const TERMINATION = named('Termination', 'A termination of an agreement: effective at `effectiveAt`; `complete` once every party signed (then in the ledger).', z.strictObject({
  id: z.string(),
  agreement: z.string(),
  initiator: z.string(),
  createdAt: z.number(),
  effectiveAt: z.number(),
  reason: z.string(),
  complete: z.boolean(),
  signedBy: z.array(z.string()),
  waitingFor: z.array(z.string()),
  refusals: z.array(z.strictObject({ party: z.string(), code: z.string(), reason: z.string() }))
}))

/** `POST /v1/orders/{id}/terminate`: the notice in days (the terms' minimum applies if longer) and a reason. */
export const TERMINATE_BODY = z.strictObject({
  notice: z.number().min(0).max(MAX_NOTICE_DAYS).optional(),
  reason: z.string().max(MAX_TERMINATION_REASON_LENGTH).optional()
})

export const ORDER = named('Order', 'An order this provider was asked to hold (protocols/order-v1.md §API); byte strings in hex.', z.strictObject({
  id: z.string(),
  customer: z.string(),
  status: z.enum(ORDER_STATUSES),
  reservations: z.array(z.strictObject({ offer: z.string(), quantity: z.number() })),
  expiresAt: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  code: z.string().optional(),
  body: z.unknown().optional(),
  terminations: z.array(TERMINATION).optional()
}))

/** A page of orders, ascending by id. */
export const ORDER_PAGE = z.strictObject({ orders: z.array(ORDER), nextCursor: z.string().optional() })

/** A signed ledger entry in JSON form (protocols/ledger-v1.md §2). */
export const ENTRY_INPUT = z.looseObject({ type: z.string(), body: z.unknown(), sigs: z.array(z.unknown()) }).meta({
  description: 'A ledger entry { type, body, sigs } signed by every party, this node among them (protocols/ledger-v1.md §2); signatures in base64.'
})

/** What an append did. */
export const APPEND_RESULT = named('AppendResult', 'Where the entry is, and which parties cosigned the new checkpoint by the deadline.', z.strictObject({
  index: z.number(),
  leafHash: z.string(),
  existing: z.boolean(),
  size: z.number(),
  cosigners: z.array(z.string()),
  cosigning: z.union([
    z.strictObject({ status: z.literal('complete') }),
    z.strictObject({ status: z.literal('pending'), code: z.string(), pending: z.array(z.string()) })
  ]).optional()
}))

/** The latest checkpoint. */
export const CHECKPOINT = named('Checkpoint', 'The ledger\'s latest signed checkpoint (C2SP tlog-checkpoint note, with the cosignatures collected); root in base64.', z.strictObject({
  origin: z.string(),
  size: z.number(),
  root: z.string(),
  checkpoint: z.string()
}))

/** One entry of the log. */
export const LOG_ENTRY = named('LogEntry', 'One ledger entry: its index, leaf bytes and leaf hash (base64, what proofs are over) and its decoded form (byte strings in hex).', z.strictObject({
  index: z.number(),
  leaf: z.string(),
  leafHash: z.string(),
  entry: z.strictObject({ type: z.string(), body: z.unknown(), sigs: z.array(z.string()) })
}))

/** A page of entries. */
export const ENTRY_PAGE = z.strictObject({ size: z.number(), entries: z.array(LOG_ENTRY), next: z.number().optional() })

/** An inclusion proof. */
export const INCLUSION_PROOF = named('InclusionProof', 'RFC 6962 inclusion proof of one entry in the tree of `treeSize` (hashes in base64).', z.strictObject({
  leafIndex: z.number(),
  treeSize: z.number(),
  leafHash: z.string(),
  proof: z.array(z.string())
}))

/** A consistency proof. */
export const CONSISTENCY_PROOF = named('ConsistencyProof', 'RFC 6962 consistency proof between two tree sizes (hashes in base64).', z.strictObject({
  size1: z.number(),
  size2: z.number(),
  proof: z.array(z.string())
}))

const CHANGE = z.strictObject({ id: z.string(), index: z.number(), createdAt: z.number(), effectiveAt: z.number().optional(), reason: z.string().optional() })

/** An agreement as read from the ledger. */
export const AGREEMENT = named('Agreement', 'An agreement of the ledger with its state, terminations and amendments (byte strings in hex).', z.strictObject({
  id: z.string(),
  index: z.number(),
  parties: z.array(z.string()),
  createdAt: z.number(),
  items: z.array(z.strictObject({
    name: z.string().optional(),
    provider: z.string().optional(),
    offer: z.strictObject({ id: z.string().optional(), seq: z.number().optional(), provider: z.string().optional() }).optional(),
    quantity: z.number().optional(),
    price: z.strictObject({ amount: z.string().optional(), currency: z.string().optional(), unit: z.string().optional() }).optional()
  })),
  term: z.unknown().optional(),
  terms: z.record(z.string(), z.unknown()),
  state: z.enum(['active', 'terminating', 'terminated']),
  endsAt: z.number().optional(),
  terminations: z.array(CHANGE),
  amendments: z.array(CHANGE)
}))

/** A page of agreements. */
export const AGREEMENT_PAGE = z.strictObject({ agreements: z.array(AGREEMENT), next: z.number().optional() })

/** What `fulcrum status` shows. */
export const STATUS = named('Status', 'What the node is and does now.', z.strictObject({
  peerId: z.string(),
  addresses: z.array(z.string()),
  startedAt: z.number(),
  uptimeMs: z.number(),
  peers: z.strictObject({ connected: z.number() }),
  offers: z.strictObject({ known: z.number(), own: z.number() }),
  orders: z.record(z.enum(ORDER_STATUSES), z.number()),
  ledger: z.strictObject({ size: z.number(), checkpoint: CHECKPOINT }),
  gossip: z.record(z.string(), z.number())
}))

/** `GET /health`: liveness only. */
export const HEALTH = z.strictObject({ status: z.literal('ok') })

/** `POST /v1/stop`: accepted; the daemon stops after answering. */
export const STOPPING = z.strictObject({ status: z.literal('stopping'), pid: z.number() })
