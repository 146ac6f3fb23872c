/**
 * `npm run bench [-- NAME...]`: runs the benchmark suites in this folder and writes BENCHMARKS.md.
 *
 * Each suite is a module `scripts/bench/<name>.ts` whose default export returns a markdown section
 * (a heading, the conditions, a table). Suites compare implementations side by side in one run
 * (ratios), because the machines are shared and noisy. Running a subset rewrites only those
 * sections; the others are kept from the previous BENCHMARKS.md.
 */
import '../../src/polyfill.js'
import { readFile, writeFile, readdir } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

/** A benchmark suite: returns its markdown section, starting with `## <title>`. */
export type Suite = () => Promise<string>

const here = fileURLToPath(new URL('.', import.meta.url))
/** BENCH_OUT writes elsewhere (to run suites side by side without overwriting each other). */
const outPath = process.env.BENCH_OUT ?? fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))
const BEGIN = (name: string): string => `<!-- suite:${name} -->`
const END = (name: string): string => `<!-- /suite:${name} -->`

async function main (): Promise<void> {
  const all = (await readdir(here)).filter(f => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_')).map(f => f.slice(0, -3)).sort()
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter(w => !all.includes(w))
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${all.join(', ')}`)
  const names = wanted.length > 0 ? wanted : all
  const previous = await readFile(outPath, 'utf8').catch(() => '')
  const sections = new Map<string, string>()
  for (const name of all) {
    const m = previous.match(new RegExp(`${BEGIN(name)}\\n([\\s\\S]*?)\\n${END(name)}`))
    if (m?.[1] !== undefined) sections.set(name, m[1])
  }
  for (const name of names) {
    process.stderr.write(`bench: ${name}...\n`)
    const suite = (await import(`./${name}.ts`) as { default: Suite }).default
    const started = Date.now()
    const body = await suite()
    sections.set(name, `${body.trim()}\n\n_Suite \`${name}\` ran ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(1)} s._`)
  }
  const cpu = cpus()
  const header = [
    '# Benchmarks',
    '',
    'Written by `npm run build && npm run bench` (one suite: `npm run bench -- NAME`). Every goal is a ratio to',
    'a floor or baseline measured in the same run, with **met** or **missed** in its suite\'s goal table: read',
    'the ratios first (these machines are shared and noisy; each suite states the load average it ran under).',
    '',
    `Last run: Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}.`,
    ''
  ].join('\n')
  const body = all.filter(n => sections.has(n)).map(n => `${BEGIN(n)}\n${sections.get(n) ?? ''}\n${END(n)}`).join('\n\n')
  await writeFile(outPath, `${header}\n${body}\n`)
  process.stderr.write(`bench: wrote ${outPath}\n`)
}

await main()
