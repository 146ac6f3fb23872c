/**
 * The light client runs unchanged in a browser (issue 10 point 1): the page's entry
 * (src/client/browser.ts), bundled by esbuild for `platform: 'browser'` as the page is, pulls in no
 * Node builtin, no native LevelDB (classic-level), no TCP transport and no worker threads, picks
 * the browser implementations of `#platform/*`, and none of the project's own modules in it uses
 * Node's globals (`Buffer`, `process`), which a browser lacks.
 */
import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Metafile, Plugin } from 'esbuild'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BUILTINS = new Set(builtinModules)
/** Packages that must never be in the browser graph: native LevelDB, the TCP transport. */
const FORBIDDEN_PACKAGES = /node_modules\/(classic-level|@libp2p\/tcp)\//

/** Bundles `entry` for the browser; returns the metafile and every import of a Node builtin (importer -> specifier). */
export async function bundleForBrowser (entry: string): Promise<{ metafile: Metafile, builtins: string[], bytes: number }> {
  const builtins: string[] = []
  const flagBuiltins: Plugin = {
    name: 'flag-node-builtins',
    setup (b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'probe') return undefined
        const name = args.path.replace(/^node:/, '').split('/')[0] as string
        if (!args.path.startsWith('node:') && !BUILTINS.has(name)) return undefined
        if (!args.path.startsWith('node:')) {
          // an installed npm package of that name is a browser polyfill (`events`, `buffer`): fine
          const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'probe' })
          if (r.errors.length === 0 && !r.external) return undefined
        }
        builtins.push(`${args.importer.replace(ROOT, '')} -> ${args.path}`)
        return { path: args.path, external: true }
      })
    }
  }
  const r = await build({
    entryPoints: [entry], absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent', plugins: [flagBuiltins]
  })
  return { metafile: r.metafile, builtins, bytes: r.outputFiles?.[0]?.contents.length ?? 0 }
}

/** `Buffer.` or `process.` used in code (comments stripped roughly: line and block comments). */
function nodeGlobals (source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  return [...code.matchAll(/\b(Buffer|process)\.\w+/g)].map(m => m[0])
}

describe('the light client in a browser bundle', function () {
  this.timeout(120_000)
  let bundle: Awaited<ReturnType<typeof bundleForBrowser>>
  before(async () => { bundle = await bundleForBrowser('src/client/browser.ts') })

  it('imports no Node builtin', () => {
    assert.deepEqual(bundle.builtins, [])
  })

  it('holds no native LevelDB, no TCP transport and no worker threads', () => {
    const inputs = Object.keys(bundle.metafile.inputs)
    assert.deepEqual(inputs.filter(i => FORBIDDEN_PACKAGES.test(i)), [])
    assert.deepEqual(inputs.filter(i => /^src\/(verify\/(threads|worker)|audit\/parallel|network\/(node|gater)|log\/snapshot)\.ts$/.test(i)), [])
  })

  it('takes the browser implementations of #platform/*, and holds the pieces the page needs', () => {
    const inputs = Object.keys(bundle.metafile.inputs)
    assert.deepEqual(inputs.filter(i => i.includes('/platform/')).sort(), ['dist/src/platform/browser/crypto.js', 'dist/src/platform/browser/storage.js'])
    for (const must of ['src/order-protocol/customer.ts', 'src/orders/planner.ts', 'src/ledger-protocol/client.ts', 'src/client/audit.ts', 'src/log/store.ts']) {
      assert.ok(inputs.includes(must), must)
    }
  })

  it('none of the project\'s modules in it uses Buffer or process', async () => {
    const own = Object.keys(bundle.metafile.inputs).filter(i => i.startsWith('src/') || i.startsWith('dist/src/platform/browser/'))
    const uses: string[] = []
    for (const file of own) for (const g of nodeGlobals(await readFile(`${ROOT}${file}`, 'utf8'))) uses.push(`${file}: ${g}`)
    assert.deepEqual(uses, [])
  })
})
