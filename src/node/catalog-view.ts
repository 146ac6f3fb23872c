/** Adapts the level catalog to the narrow view that discovery and the API use. */
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
      const { result, persisted } = catalog.insertNow(verified)
      return { decision: result.decision, persisted, ...(result.evicted === undefined ? {} : { evicted: result.evicted }) }
    },
    admits: (key) => catalog.wouldAdmit(key),
    knowsProvider: (provider) => catalog.providerCount(provider) > 0,
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
