/**
 * Encoding: the canonical CBOR codec of everything that is signed, the signing bytes with domain
 * tags, the message envelope shared by the request/response protocols, and a streamed reader of
 * large JSON objects (ledger bundles).
 */
export * from './canonical.js'
export * from './canonical-reader.js'
export * from './message.js'
export * from './fields.js'
export * from './hex-json.js'
export * from './base64.js'
export * from './json-stream.js'
