/**
 * The node's configuration schema (zod). Every key of `config.json` is one line of
 * {@link CONFIG_FIELDS}: its type, its limits and what it is for; `NodeConfig` is derived from it.
 * Adding a setting is one line here (and its default in `config/default.json`).
 *
 * The merged config (defaults, `config.json`, flags and environment) is checked at start and by
 * `fulcrum config check`: a wrong type or an unknown key (a typo such as `allowedDialRange`) is
 * `CONFIG_INVALID`, naming every bad key and what it expects, rather than a crash deep inside
 * libp2p or a silently ignored setting.
 */
import { z } from 'zod'
import { FulcrumError } from '../errors/index.js'
import { gossipMeshOptions } from '../network/gossip-mesh.js'

/** Error codes of the configuration. */
export const ConfigError = {
  /** The config has keys of the wrong type, out of range, or unknown (each named). */
  INVALID: 'CONFIG_INVALID'
} as const

const port = z.int().min(0).max(65535)
const strings = z.array(z.string())
const peerIds = z.array(z.string().min(1).max(128)).max(10_000)
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,9}))?$/, 'a decimal string like "0.04"')

/**
 * The config's `orders` object: the provider's order policy (protocols/order-v1.md, Provider
 * policy). Every key is optional; the defaults are `DEFAULT_ORDER_POLICY` in order-protocol/policy.ts.
 */
export const ORDER_POLICY_SCHEMA = z.object({
  $comment: z.string().optional(),
  approval: z.enum(['auto', 'manual']).optional(),
  allowCustomers: peerIds.optional(),
  denyCustomers: peerIds.optional(),
  maxHoldsPerCustomer: z.number().int().min(0).max(1_000_000).optional(),
  maxActiveHolds: z.number().int().min(0).max(10_000_000).optional(),
  maxHoldMs: z.number().int().min(1_000).max(24 * 3_600_000).optional(),
  priceFloor: z.record(z.string(), decimal).optional()
}).strict()

/** The config keys, one per line. */
export const CONFIG_FIELDS = {
  /** Listen multiaddrs (TCP: `/ip4/ADDR/tcp/PORT`). */
  listen: strings,
  /** WebSocket listen multiaddrs (`/ip4/ADDR/tcp/PORT/ws`), what browsers dial; empty: none. Same gater, limits and protocols as TCP. */
  webSocketListen: strings,
  /** Multiaddrs (with /p2p/) dialled at start and when the node finds itself alone. */
  bootstrap: strings,
  /** Port of the control API on 127.0.0.1 (0: any free port). */
  apiPort: port,
  /** CIDR ranges the node may dial; anything else is refused by the connection gater. */
  allowedDialRanges: strings,
  /** CIDR ranges inbound connections may come from; absent or empty: any address. */
  allowedInboundRanges: strings.optional(),
  /** Most open connections. */
  maxConnections: z.int().min(1),
  /** Connections with one peer id at most (one identity cannot take many slots). */
  maxConnectionsPerPeer: z.int().min(1),
  /** New inbound connections accepted per second from one IP outside `rateLimitExemptRanges`. */
  inboundConnectionsPerIpPerSecond: z.int().min(1),
  /** CIDR ranges exempt from that per-IP rate only (many honest nodes behind one address); every other limit applies to them. */
  rateLimitExemptRanges: strings,
  /** IPs exempt from gossipsub's IP colocation penalty (several nodes behind one address). */
  ipColocationWhitelist: strings,
  /**
   * Gossipsub mesh degrees (protocols/discovery-v1.md §Mesh); absent keys keep the defaults
   * (D 4, Dlo 3, Dhi 6, Dlazy 3, gossipFactor 0.1). Larger meshes take fewer hops in a large
   * network at the cost of more frames per message on every node.
   */
  gossipMesh: z.strictObject({
    $comment: z.string().optional(),
    D: z.int().min(1).max(50).optional(),
    Dlo: z.int().min(1).max(50).optional(),
    Dhi: z.int().min(1).max(100).optional(),
    Dlazy: z.int().min(0).max(100).optional(),
    gossipFactor: z.number().min(0).max(1).optional()
  }).superRefine((mesh, ctx) => {
    try { gossipMeshOptions(mesh) } catch (err) { ctx.addIssue({ code: 'custom', message: (err as Error).message }) }
  }).optional(),
  /** Peers a light client asks by default (multiaddrs with /p2p/). */
  peers: strings,
  /** Re-sign the node's own offers before they expire (false: they end at the expiry they were published with). */
  renewOwnOffers: z.boolean(),
  /** Bounds of the offer catalog against floods (protocols/discovery-v1.md §Catalog limits). */
  catalogLimits: z.strictObject({
    /** Records held at most, besides the node's own. */
    maxRecords: z.int().min(1),
    /** Records per provider at most. */
    maxRecordsPerProvider: z.int().min(1),
    /** Gossip records per second, across all peers, from providers the catalog holds nothing of. */
    newProviderRecordsPerSecond: z.number().positive(),
    /** Burst of that budget. */
    newProviderBurst: z.int().min(1),
    /** Peer ids whose records are never evicted. */
    protectedProviders: strings
  }),
  /** What this node witnesses and cosigns, and how much witness state it keeps (protocols/ledger-v1.md §6.2). */
  witness: z.strictObject({
    /** Peer ids of logs to witness and cosign besides counterparties. */
    followLogs: strings,
    /** Logs with witness state at most. */
    maxLogs: z.int().min(1),
    /** Evidence files per log at most. */
    maxEvidencePerLog: z.int().min(1),
    /** Evidence files in all at most. */
    maxEvidence: z.int().min(1)
  }),
  /** The provider's order policy (approval, allow and deny lists, hold caps, price floors). */
  orders: ORDER_POLICY_SCHEMA.optional(),
  /** The Prometheus endpoint (`GET /metrics`); absent: off. `listen` is `HOST:PORT` on loopback unless `allowNonLoopback`. */
  metrics: z.strictObject({ $comment: z.string().optional(), listen: z.string(), allowNonLoopback: z.boolean().optional() }).optional()
}

/** The whole config: exactly the keys above (unknown keys are errors, not ignored). */
export const NodeConfigSchema = z.strictObject(CONFIG_FIELDS)

/** Node configuration, as in config/default.json (derived from {@link NodeConfigSchema}). */
export type NodeConfig = z.infer<typeof NodeConfigSchema>

/** Config `catalogLimits`. */
export type CatalogLimitsConfig = NodeConfig['catalogLimits']
/** Config `witness`. */
export type WitnessConfig = NodeConfig['witness']

/** One problem in a config: the key (dotted path) and what it should be. */
export interface ConfigProblem { key: string, message: string }

/** Every problem in `value` as a config (empty if valid). A `$comment` key is allowed and ignored. */
export function configProblems (value: unknown): ConfigProblem[] {
  const { $comment: _comment, ...rest } = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ key: '(config)', message: 'must be a JSON object' }]
  const result = NodeConfigSchema.safeParse(rest)
  if (result.success) return []
  return result.error.issues.flatMap(issue => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(k => ({ key: [...issue.path, k].join('.'), message: unknownKeyMessage(k) }))
    }
    const key = issue.path.map(String).join('.')
    return [{ key: key === '' ? '(config)' : key, message: issue.message.replace(/^Invalid input: /, '') }]
  })
}

/** Parses a merged config, throwing `CONFIG_INVALID` naming every bad key (`source` says where it came from). */
export function parseConfig (value: unknown, source: string): NodeConfig {
  const problems = configProblems(value)
  if (problems.length > 0) {
    throw new FulcrumError(ConfigError.INVALID, `${source}: ${problems.map(p => `${p.key}: ${p.message}`).join('; ')}`, { path: problems[0]?.key })
  }
  const { $comment: _comment, ...rest } = value as Record<string, unknown>
  return rest as NodeConfig
}

function unknownKeyMessage (key: string): string {
  const near = Object.keys(CONFIG_FIELDS).filter(k => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2)
  return `unknown key${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; known keys: ${Object.keys(CONFIG_FIELDS).join(', ')}`
}

/** Levenshtein distance (keys are short). */
function editDistance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length] ?? 0
}
