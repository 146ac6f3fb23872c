/**
 * Offers: the model, vocabularies, validation, canonical records, signatures and query filters
 * of offer-v1 (protocols/offer-v1.md). Pure: no I/O, and time is always passed in.
 */
export * from './errors.js'
export * from './model.js'
export * from './vocabulary.js'
export * from './decimal.js'
export * from './validate.js'
export * from './record.js'
export * from './json.js'
export * from './filter.js'
export * from './merge.js'
