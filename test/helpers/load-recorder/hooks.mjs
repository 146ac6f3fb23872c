// Module resolution hook (see register.mjs): records every resolved URL.
import { appendFileSync } from 'node:fs'

export async function resolve (specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context)
  const log = process.env.FULCRUM_LOAD_LOG
  if (log !== undefined && log !== '') appendFileSync(log, `${result.url}\n`)
  return result
}
