/**
 * Builds the web page's bundle (`fulcrum web` serves it): src/web/page/main.tsx bundled by esbuild
 * for browsers into dist/web/ (app.js, app.css, index.html), run by `npm run build` after tsc so
 * that an installed package serves prebuilt files and never bundles at run time.
 *
 * Node-only modules reached from the light client are swapped for browser ones by
 * {@link BROWSER_REPLACEMENTS}, an explicit table (no silent shims): the light node's transports
 * (WebSockets only, no `@libp2p/tcp`). Crypto and storage come from `#platform/*` (package.json
 * "imports"), which resolve to the browser implementations under the `browser` condition this
 * build sets. Any `node:` import reaching the bundle fails the build.
 */
import { build } from 'esbuild'
import type { BuildResult, Metafile, Plugin } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is scripts/build-web.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Where the bundle goes: `fulcrum web` serves this directory. */
export const WEB_OUT_DIR = join(ROOT, 'dist', 'web')

/** Browser replacements: module (resolved path relative to the root, or a `node:` id) -> its browser version. */
export const BROWSER_REPLACEMENTS: Readonly<Record<string, string>> = {
  'src/network/transports.ts': 'src/network/transports.browser.ts'
}

const replacements: Plugin = {
  name: 'fulcrum-browser-replacements',
  setup (b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const to = BROWSER_REPLACEMENTS[args.path]
      if (to === undefined) return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser replacement: the page must not reach it` }] }
      return { path: join(ROOT, to) }
    })
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const resolved = join(args.resolveDir, args.path).replace(/\.js$/, '.ts')
      const rel = resolved.slice(ROOT.length + 1)
      const to = BROWSER_REPLACEMENTS[rel]
      return to === undefined ? undefined : { path: join(ROOT, to) }
    })
  }
}

/** Options of {@link buildWeb}. */
export interface WebBuildOptions {
  minify?: boolean
  /** Another entry (e.g. a benchmark's), written as app.js without the page's static files. */
  entry?: string
  /** `esm` (the page, a module script) or `iife` (a classic script a benchmark injects). */
  format?: 'esm' | 'iife'
}

/** Builds the bundle into `outDir`; returns esbuild's metafile (sizes per input, for the benchmark). */
export async function buildWeb (outDir = WEB_OUT_DIR, options: WebBuildOptions = {}): Promise<Metafile> {
  await mkdir(outDir, { recursive: true })
  const result: BuildResult<{ metafile: true }> = await build({
    entryPoints: { app: options.entry ?? join(ROOT, 'src/web/page/main.tsx') },
    outdir: outDir,
    bundle: true,
    format: options.format ?? 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    conditions: ['browser'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
    define: { 'process.env.NODE_DEBUG': 'undefined', global: 'globalThis' },
    plugins: [replacements]
  })
  if (options.entry === undefined) {
    await copyFile(join(ROOT, 'src/web/page/index.html'), join(outDir, 'index.html'))
    await copyFile(join(ROOT, 'src/web/page/app.css'), join(outDir, 'app.css'))
  }
  return result.metafile
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const meta = await buildWeb()
  const out = Object.entries(meta.outputs).filter(([f]) => f.endsWith('.js'))
  for (const [file, o] of out) console.log(`${file}: ${(o.bytes / 1024).toFixed(0)} KiB`)
}
