/** Error codes of the catalog. */
export const CatalogError = {
  /** Evidence does not prove an equivocation (not two distinct, validly signed records for one id and seq). */
  BAD_EVIDENCE: 'CATALOG_BAD_EVIDENCE',
  /** A query cursor that this catalog did not issue. */
  BAD_CURSOR: 'CATALOG_BAD_CURSOR',
  /** Another process (usually the daemon) has the store open. */
  LOCKED: 'CATALOG_LOCKED',
  /** The store is damaged (LevelDB dropped or cannot read data); the message says what. */
  CORRUPT: 'CATALOG_CORRUPT',
  /** The store could not be opened. */
  IO: 'CATALOG_IO'
} as const
