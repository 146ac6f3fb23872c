/** Adapts the level catalog to the narrow view that discovery and the API use. */
import { decideInsert } from '../catalog/index.js'
import type { Catalog, OwnRecords } from '../catalog/index.js'
import { recordExpiresAt } from '../offers/index.js'
import type { CatalogView } from '../discovery/index.js'

/**
 * The catalog as a {@link CatalogView}. Record keys are `provider/id` (a peer id has no '/').
 * With `own`, the node's own stored records are also kept in its own-records file, durably before
 * `persisted` settles (see `catalog/own.ts`).
 */
export function catalogView (catalog: Catalog, ownRecords?: { self: string, own: OwnRecords }): CatalogView {
  const byKey = (key: string): ReturnType<Catalog['get']> => {
    const slash = key.indexOf('/')
    return slash < 0 ? undefined : catalog.get(key.slice(0, slash), key.slice(slash + 1))
  }
  return {
    held: async (provider, id) => catalog.get(provider, id),
    insert: (verified) => {
      // Catalog.insert decides and applies in memory before its first await, with this same rule.
      const decision = decideInsert(catalog.get(verified.record.body.provider, verified.record.body.id), verified)
      const stored = catalog.insert(verified).then(() => {})
      const mine = ownRecords !== undefined && decision === 'store' && verified.record.body.provider === ownRecords.self
      return { decision, persisted: mine ? Promise.all([stored, ownRecords.own.put(verified.record, verified.bytes)]).then(() => {}) : stored }
    },
    getBytes: async (key) => byKey(key)?.bytes,
    entries: async function * () {
      for (const e of catalog.sorted()) yield { key: e.key, seq: e.record.body.seq, expiresAt: recordExpiresAt(e.record) }
    },
    query: async (filter, { limit, cursor, now }) => {
      const page = catalog.query(filter, cursor === undefined ? { now, limit } : { now, limit, cursor })
      const records = page.entries.map(e => e.bytes)
      return page.nextCursor === undefined ? { records } : { records, nextCursor: page.nextCursor }
    },
    byProvider: async (provider) => catalog.byProvider(provider)
  }
}
