// `node --import THIS_FILE ...` with FULCRUM_LOAD_LOG=FILE appends the URL of every module the
// process resolves to FILE, one per line (the hooks run on their own thread, so they write to a
// file rather than answer through memory). Used by test/e2e/cli-loading.test.ts.
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
