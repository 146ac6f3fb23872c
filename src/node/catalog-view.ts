/** Adapts the level catalog to the narrow view that discovery and the API use. */
import type { Catalog, OwnRecords } from '../catalog/index.js'
import type { CatalogView } from '../discovery/index.js'

/**
 * The catalog as a {@link CatalogView}. Record keys are `provider/id` (a peer id has no '/').
 * With `own`, the node's own stored records are also kept in its own-records file, durably before
 * `persisted` settles (see `catalog/own.ts`).
 */
export function catalogView (catalog: Catalog, ownRecords?: { self: string, own: OwnRecords }): CatalogView {
  const byKey = async (key: string): ReturnType<Catalog['get']> => {
    const slash = key.indexOf('/')
    return slash < 0 ? undefined : await catalog.get(key.slice(0, slash), key.slice(slash + 1))
  }
  return {
    held: async (provider, id) => await catalog.get(provider, id),
    insert: (verified) => {
      const { result, persisted } = catalog.insertNow(verified)
      const mine = ownRecords !== undefined && result.decision === 'store' && verified.record.body.provider === ownRecords.self
      const durable = mine ? Promise.all([persisted, ownRecords.own.put(verified.record, verified.bytes)]).then(() => {}) : persisted
      return { decision: result.decision, persisted: durable, ...(result.evicted === undefined ? {} : { evicted: result.evicted }) }
    },
    insertMany: async (records) => {
      const results = await catalog.insertMany([...records])
      const mine = ownRecords === undefined ? [] : records.filter((v, i) => results[i]?.decision === 'store' && v.record.body.provider === ownRecords.self)
      for (const v of mine) await ownRecords?.own.put(v.record, v.bytes)
      return results.map(r => (r.evicted === undefined ? { decision: r.decision } : { decision: r.decision, evicted: r.evicted }))
    },
    admits: (key) => catalog.wouldAdmit(key),
    knowsProvider: (provider) => catalog.providerCount(provider) > 0,
    getBytes: async (key) => (await byKey(key))?.bytes,
    getBytesMany: async (keys) => await catalog.bytesOf(keys),
    entries: async function * () {
      yield * catalog.eachSummary()
    },
    query: async (filter, { limit, cursor, now }) => {
      const page = await catalog.query(filter, cursor === undefined ? { now, limit } : { now, limit, cursor })
      const records = page.entries.map(e => e.bytes)
      return page.nextCursor === undefined ? { records } : { records, nextCursor: page.nextCursor }
    },
    byProvider: async (provider) => await catalog.byProvider(provider)
  }
}
