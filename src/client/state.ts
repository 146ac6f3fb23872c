/**
 * The customer's own state on one abstract-level database, so that the light client keeps it in a
 * browser (IndexedDB via `browser-level`, or `memory-level` for a session or a test) as the CLI
 * keeps it in a data dir. Sublevels (names never reused):
 * - `key`    the customer's Ed25519 seed (`seed`);
 * - `orders` the order store of the customer machine (order-protocol/customer-store.ts);
 * - `ledger` the customer's own agreement ledger (log/store.ts), signed with that key;
 * - `seen`   per provider, the last checkpoint of its ledger that an audit accepted (the baseline
 *            for the next audit's consistency check; never lowered).
 *
 * The key is kept, not made per session: the ledger's checkpoints are signed with it, the orders
 * that a reload resumes are signed with it, and providers hold the agreements under its peer id;
 * a fresh key per session would orphan all of these. It is stored as IndexedDB stores anything:
 * readable by scripts of the page's origin, and by anyone with the browser profile.
 */
import type { AbstractLevel } from 'abstract-level'
import { FulcrumError } from '../errors/index.js'
import { createIdentity, SEED_LENGTH } from '../identity/index.js'
import type { Identity } from '../identity/index.js'
import { MerkleLog } from '../log/store.js'
import { CustomerStore } from '../order-protocol/customer-store.js'
import { asStore } from '../storage/index.js'
import type { Store } from '../storage/index.js'

/** Error codes of the customer's state. */
export const ClientStateError = {
  /** The stored key is not a 32-byte seed. */
  BAD_KEY: 'CLIENT_STATE_BAD_KEY'
} as const

/** A database the state lives in: any abstract-level 3 database with byte keys and values. */
export type StateDatabase = AbstractLevel<Uint8Array, Uint8Array, Uint8Array>

/** The customer's key, orders, ledger and audit baselines, open. */
export interface CustomerState {
  identity: Identity
  store: CustomerStore
  log: MerkleLog
  seen: SeenCheckpoints
  /** Closes the ledger, the order store and the database. */
  close: () => Promise<void>
}

/** The last checkpoint note of each provider's ledger that an audit accepted. */
export interface SeenCheckpoints {
  get: (provider: string) => Promise<string | undefined>
  put: (provider: string, note: string) => Promise<void>
}

const SEED_KEY = new TextEncoder().encode('seed')
const enc = new TextEncoder()
const dec = new TextDecoder()

function sub (db: StateDatabase, name: string): Store {
  return asStore(db.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as StateDatabase)
}

/**
 * Opens the state in `db` (opened or not; it is opened here), creating the key on first use. The
 * ledger is checked on open as on Node (LOG_CORRUPT if its checkpoint does not match its tree).
 */
export async function openCustomerState (db: StateDatabase): Promise<CustomerState> {
  await db.open()
  const keys = sub(db, 'key')
  let seed = await keys.get(SEED_KEY)
  if (seed === undefined) {
    seed = createIdentity().seed
    await keys.put(SEED_KEY, seed, { sync: true })
  }
  if (seed.length !== SEED_LENGTH) throw new FulcrumError(ClientStateError.BAD_KEY, `the stored key is ${seed.length} bytes, not ${SEED_LENGTH}`)
  const identity = createIdentity(new Uint8Array(seed))
  const store = await CustomerStore.on(sub(db, 'orders'))
  const log = await MerkleLog.openOn(sub(db, 'ledger'), { signer: identity })
  const seenDb = sub(db, 'seen')
  const seen: SeenCheckpoints = {
    get: async (provider) => { const v = await seenDb.get(enc.encode(provider)); return v === undefined ? undefined : dec.decode(v) },
    put: async (provider, note) => { await seenDb.put(enc.encode(provider), enc.encode(note), { sync: true }) }
  }
  return {
    identity,
    store,
    log,
    seen,
    close: async () => {
      await log.close()
      await store.close()
      await db.close()
    }
  }
}
