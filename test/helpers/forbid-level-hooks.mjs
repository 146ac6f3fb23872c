// Module resolve hook for tests: resolving `level` or `classic-level` fails the import, naming who
// asked. Registered by forbid-level.mjs (node --import) in a child process.
export async function resolve (specifier, context, next) {
  if (/^(level|classic-level)(\/|$)/.test(specifier)) {
    throw new Error(`FORBIDDEN_IMPORT ${specifier} from ${context.parentURL ?? '?'}`)
  }
  return await next(specifier, context)
}
