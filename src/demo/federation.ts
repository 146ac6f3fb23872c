/**
 * What the demo's federation is made of: five provider cities with their example offers, the
 * customer and the auditor, where the installed files are, and running `fulcrum` commands
 * in-process (exactly the commands a newcomer types, without starting Node for each).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Narrator } from './narrator.js'
import type { Supervisor, SupervisedDaemon } from './supervisor.js'

/** A provider of the demo: its city, data dir name and offer drafts (config/examples). */
export interface City { name: string, dir: string, offers: string[] }

/** The five providers, in the order they start (Milan first: the others bootstrap from it). */
export const CITIES: readonly City[] = [
  { name: 'Milan', dir: 'milan', offers: ['milan-vm.json'] },
  { name: 'Frankfurt', dir: 'frankfurt', offers: ['frankfurt-object-storage.json'] },
  { name: 'Paris', dir: 'paris', offers: ['paris-postgresql.json'] },
  { name: 'Amsterdam', dir: 'amsterdam', offers: ['amsterdam-gpu.json'] },
  { name: 'Warsaw', dir: 'warsaw', offers: ['warsaw-vm.json', 'warsaw-block-storage.json'] }
]
/** The provider stopped before the second order (the only one offering a GPU). */
export const STOPPED_CITY = 'Amsterdam'
/** The order across three providers that commits (config/examples/orders). */
export const FIRST_ORDER = 'three-providers.json'
/** The order that needs the stopped provider, and so fails everywhere. */
export const SECOND_ORDER = 'gpu-training.json'
/**
 * The second order's commit window: the shortest a provider accepts (6 s) plus a little, so the
 * demo does not wait the default 30 s for a provider that is known to be down.
 */
export const SECOND_ORDER_WINDOW_MS = 8_000

/** A file of the installation: from src/demo (tsx) it is ../../REL, from dist/src/demo ../../../REL. */
export function installedPath (rel: string): string {
  for (const up of ['../../', '../../../']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url))
    if (existsSync(p)) return p
  }
  throw new Error(`${rel} is missing from the installation`)
}

/** The outcome of one in-process `fulcrum` command. */
export interface CliResult { code: number, out: string, err: string }

/** Runs `fulcrum ...args` in this process; `onErr` sees each stderr line as it is written (progress). */
export async function fulcrum (args: string[], onErr?: (line: string) => void): Promise<CliResult> {
  const { runCli } = await import('../cli/main.js')
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, {
    out: t => { out.push(t) },
    err: t => { err.push(t); onErr?.(t) },
    env: {}
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A command that must succeed: throws with its last error line otherwise. */
export async function must (args: string[], onErr?: (line: string) => void): Promise<string> {
  const r = await fulcrum(args, onErr)
  if (r.code !== 0) throw new Error(`fulcrum ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.err.trim().split('\n').pop() ?? ''}`)
  return r.out
}

/** A `--json` command that must succeed, parsed. */
export async function mustJson<T> (args: string[], onErr?: (line: string) => void): Promise<T> {
  return JSON.parse(await must([...args, '--json'], onErr)) as T
}

/** Everything the steps share. */
export interface DemoContext {
  /** The demo's directory: one data dir per party, plans and exports. */
  dir: string
  examples: string
  n: Narrator
  supervisor: Supervisor
  /** Running (or stopped) providers by city name. */
  nodes: Map<string, SupervisedDaemon>
  /** Peer id -> the name the narrative uses. */
  names: Map<string, string>
  customerDir: string
  /** The committed agreement (step 5). */
  agreement?: string
  /** The order that failed (step 6). */
  failedOrder?: string
}

/** The `--peer` flags naming every provider. */
export function peerFlags (ctx: DemoContext): string[] {
  return [...ctx.nodes.values()].flatMap(d => ['--peer', d.addr])
}

/** `12D3KooW…A7aWCd`, as the CLI abbreviates peer ids. */
export function shortId (peerId: string): string {
  return `${peerId.slice(0, 8)}…${peerId.slice(-6)}`
}

/** The narrative's name of a peer id (a city, "customer"), else its short form. */
export function nameOf (ctx: DemoContext, peerId: string): string {
  return ctx.names.get(peerId) ?? shortId(peerId)
}

/** Replaces abbreviated peer ids in a CLI line by the narrative's names. */
export function withNames (ctx: DemoContext, line: string): string {
  let out = line
  for (const [id, name] of ctx.names) out = out.replaceAll(shortId(id), name.padEnd(15))
  return out
}
