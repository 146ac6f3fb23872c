/**
 * The browser page's entry into the light client (bundled by esbuild with `platform: 'browser'`;
 * test/unit/client/browser-bundle.test.ts checks that nothing node-only gets in): the light client
 * object, the customer's state in IndexedDB, and the types the page shows. The page creates its
 * own libp2p node (WebSockets) and hands it in.
 */
import { openStore } from '../storage/index.js'
import { openCustomerState } from './state.js'
import type { CustomerState, StateDatabase } from './state.js'

export { LightClient, LightClientError } from './light-client.js'
export type { LightClientInit, PlaceOptions } from './light-client.js'
export { openCustomerState } from './state.js'
export type { CustomerState, SeenCheckpoints, StateDatabase } from './state.js'
export type { ProviderAudit, AuditCheck, AuditCheckName } from './audit.js'
export type { MyAgreements, ProvenAgreement } from './agreements.js'
export type { Pick } from './plan.js'
export type { SearchResult, SourceReport } from './search.js'
export type { OrderOutcome, ProgressEvent, ProviderOutcome } from '../order-protocol/customer.js'

/** The IndexedDB database that holds the customer's state in a browser. */
export const BROWSER_STATE_DB = 'fulcrum-customer'

/** The codes a failure to open the browser's database is reported with. */
const CODES = { locked: 'CLIENT_STATE_LOCKED', corrupt: 'CLIENT_STATE_CORRUPT', io: 'CLIENT_STATE_IO' }

/**
 * Opens the customer's state kept in this browser (IndexedDB `name`), creating its key on first
 * use. In Node this opens a LevelDB directory of that name instead (the same `#platform/storage` call).
 */
export async function openBrowserState (name: string = BROWSER_STATE_DB): Promise<CustomerState> {
  const db = await openStore(name, { codes: CODES, name: "the customer's state" })
  return await openCustomerState(db as unknown as StateDatabase)
}
