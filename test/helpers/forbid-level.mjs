// `node --import ./test/helpers/forbid-level.mjs`: makes any import of LevelDB fail (see forbid-level-hooks.mjs).
import { register } from 'node:module'
register('./forbid-level-hooks.mjs', import.meta.url)
