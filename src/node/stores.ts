/**
 * Opening a node's stores: the catalog (re-seeded with the node's own records, and rebuilt if
 * damaged), then the ledger log (checked against what the node acknowledged), then the provider's
 * order store (holds and capacity). A store another
 * process holds is `DATADIR_LOCKED`.
 *
 * A damaged catalog (`CATALOG_CORRUPT`) is logged with its code, moved aside to
 * `catalog.damaged-<time>` for inspection, and replaced by a new one: the catalog is a replica of
 * network state that sync re-fetches, and the node's own records come back from
 * `own-records.json`. A damaged ledger is not repaired here: `LOG_CORRUPT` stops the node until
 * the operator runs `fulcrum ledger recover`, since the ledger is the node's own signed history.
 */
import { rename } from 'node:fs/promises'
import { Catalog, CatalogError, OwnRecords, decideInsert } from '../catalog/index.js'
import { dataDirLocked, dataDirPaths } from '../datadir/index.js'
import type { Identity } from '../identity/index.js'
import type { Logger } from '../logging/index.js'
import { isFulcrumError } from '../errors/index.js'
import { LogError, MerkleLog } from '../log/index.js'
import { verifyRecordBytes } from '../offers/index.js'
import { OrderShellError, ProviderStore } from '../order-protocol/index.js'

/** The open stores of a node. */
export interface NodeStores { catalog: Catalog, ledgerLog: MerkleLog, own: OwnRecords, orderStore: ProviderStore }

/** Opens the stores of the data dir `dataDir` (see module doc). */
export async function openStores (dataDir: string, identity: Identity, now: () => number, logger: Logger): Promise<NodeStores> {
  const paths = dataDirPaths(dataDir)
  const locked = async (err: unknown): Promise<unknown> =>
    isFulcrumError(err, CatalogError.LOCKED) || isFulcrumError(err, LogError.LOCKED) || isFulcrumError(err, OrderShellError.STORE_LOCKED) ? await dataDirLocked(dataDir, err) : err
  const own = await OwnRecords.load(paths.ownRecords)
  let catalog: Catalog
  try {
    catalog = await openCatalog(paths.catalog, now, logger)
  } catch (err) {
    throw await locked(err)
  }
  let ledgerLog: MerkleLog
  try {
    await reseed(catalog, own, identity.peerId, now)
    ledgerLog = await MerkleLog.open(paths.ledger, { signer: identity, ackFile: paths.ledgerAck })
  } catch (err) {
    await catalog.close()
    throw await locked(err)
  }
  try {
    return { catalog, own, ledgerLog, orderStore: await ProviderStore.open(paths.orders) }
  } catch (err) {
    await ledgerLog.close()
    await catalog.close()
    throw await locked(err)
  }
}

async function openCatalog (path: string, now: () => number, logger: Logger): Promise<Catalog> {
  try {
    return await Catalog.open(path)
  } catch (err) {
    if (!isFulcrumError(err, CatalogError.CORRUPT)) throw err
    const aside = `${path}.damaged-${now()}`
    logger.error('the catalog is damaged: set aside and rebuilt (own offers from own-records.json, the rest by sync)', { component: 'node', code: err.code, error: err.message, movedTo: aside })
    await rename(path, aside)
    return await Catalog.open(path)
  }
}

/**
 * Puts the node's own records back into the catalog where it lacks them or holds older ones, and
 * saves own records the file lacks (a catalog written before the file existed).
 */
async function reseed (catalog: Catalog, own: OwnRecords, self: string, now: () => number): Promise<void> {
  for (const bytes of own.records()) {
    let verified
    try {
      verified = verifyRecordBytes(bytes, now())
    } catch {
      continue // expired: nothing to serve
    }
    if (decideInsert(await catalog.get(self, verified.record.body.id), verified) === 'store') await catalog.insert(verified)
  }
  for (const entry of await catalog.byProvider(self)) await own.put(entry.record, entry.bytes)
}
