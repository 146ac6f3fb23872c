/** Adapts the level catalog to the narrow view that discovery and the API use. */
import { decideInsert } from '../catalog/index.js'
import type { Catalog } from '../catalog/index.js'
import { recordExpiresAt } from '../offers/index.js'
import type { CatalogView } from '../discovery/index.js'

/** The catalog as a {@link CatalogView}. Record keys are `provider/id` (a peer id has no '/'). */
export function catalogView (catalog: Catalog): CatalogView {
  const byKey = (key: string): ReturnType<Catalog['get']> => {
    const slash = key.indexOf('/')
    return slash < 0 ? undefined : catalog.get(key.slice(0, slash), key.slice(slash + 1))
  }
  return {
    held: async (provider, id) => catalog.get(provider, id),
    insert: (verified) => {
      // Catalog.insert decides and applies in memory before its first await, with this same rule.
      const decision = decideInsert(catalog.get(verified.record.body.provider, verified.record.body.id), verified)
      return { decision, persisted: catalog.insert(verified).then(() => {}) }
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
