/**
 * Builds the web page's bundle (`fulcrum web` serves it): src/web/page/main.tsx bundled by esbuild
 * for browsers into dist/web/ (app.js, app.css, index.html), run by `npm run build` after tsc so
 * that an installed package serves prebuilt files and never bundles at run time.
 *
 * Node-only modules reached from the light client have browser implementations selected by the
 * package's `#platform/*` imports (src/platform/): esbuild applies their `browser` condition. Any
 * `node:` import that still reaches the bundle fails the build with the module that imported it.
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

const noNodeBuiltins: Plugin = {
  name: 'fulcrum-no-node-builtins',
  setup (b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} (imported by ${args.importer}) is Node-only: the page must not reach it (see src/platform/)` }] }))
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
    plugins: [noNodeBuiltins]
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
