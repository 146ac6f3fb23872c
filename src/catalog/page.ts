/**
 * Page sizes of catalog queries, apart from the catalog's store so that the query protocol's
 * client (and the web page's bundle) can import them without LevelDB.
 */

/** Largest page a query returns: bounds response size (100 × 4 KiB records). */
export const MAX_PAGE_SIZE = 100
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 20
