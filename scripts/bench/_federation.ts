/**
 * Multi-process federations for the propagation benchmark: `nodes` nodes spread over `processes`
 * child processes (scripts/bench/_fed-child.ts), so that no single event loop or heap carries
 * them all. Each node dials up to 3 random earlier nodes. Offers (or, for stock gossipsub, random
 * payloads of the same size) are published one at a time from random nodes; the time to reach every
 * other node is measured with wall-clock stamps taken in the children.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { percentile } from './_util.js'
import { rng } from './_data.js'

const CHILD = fileURLToPath(new URL('./_fed-child.ts', import.meta.url))
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The outcome of one propagation run. */
export interface PropagationResult {
  toAllP50: number
  toAllP95: number
  perNodeP50: number
  lost: number
  meshReady: boolean
  /** The highest event-loop delay p99 of the child processes while messages were published. */
  loopP99: number
  /** Median time of the publish call in the publishing process (verify, store, send). */
  publishP50: number
  /** Receptions beyond the first per message and receiving node (gossipsub duplicates). */
  duplicates: number
  /** Mean open connections per node at the end. */
  connections: number
  /** CPU time of all child processes while messages were published, per wall-clock time (cores busy). */
  cores: number
  /** The same over `idleMs` before the first message (background work: 0 if not measured). */
  idleCores: number
  /** How long after the meshes formed the connections stopped changing (see {@link settled}). */
  settleMs: number
}

type Msg = Record<string, unknown>
interface ChildStats { loopP99: number, publishP50: number, receptions: number, connections: number[], cpuMs: number }

function child (mode: string): { proc: ChildProcess, next: (key: string) => Promise<Msg> } {
  // FED_CHILD_NODE_OPTIONS adds flags to each child (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it).
  const extra = (process.env.FED_CHILD_NODE_OPTIONS ?? '').split(' ').filter(x => x !== '')
  const proc = fork(CHILD, [mode], { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const waiting = new Map<string, Array<{ resolve: (m: Msg) => void, reject: (e: Error) => void }>>()
  proc.on('message', (m: Msg) => {
    for (const key of Object.keys(m)) waiting.get(key)?.shift()?.resolve(m)
  })
  proc.once('exit', code => {
    for (const list of waiting.values()) for (const w of list.splice(0)) w.reject(new Error(`federation child exited with ${String(code)}`))
  })
  return {
    proc,
    next: async (key) => await new Promise<Msg>((resolve, reject) => {
      const list = waiting.get(key) ?? []
      list.push({ resolve, reject })
      waiting.set(key, list)
    })
  }
}

/** Connection counts are polled this often while a federation starts. */
const SETTLE_POLL_MS = 1000
/** The federation has settled once the count is unchanged for this many polls in a row. */
const SETTLE_STABLE_POLLS = 3
/** Measuring starts after this at the latest, settled or not. */
const SETTLE_DEADLINE_MS = 90_000

/**
 * Resolves once `count()` (open connections of the whole federation) has not changed for
 * SETTLE_STABLE_POLLS polls, or after SETTLE_DEADLINE_MS: the start-up dialling is over.
 */
export async function settled (count: () => Promise<number> | number): Promise<void> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS
  let last = -1
  let stable = 0
  while (stable < SETTLE_STABLE_POLLS && performance.now() < deadline) {
    const now = await count()
    stable = now === last ? stable + 1 : 0
    last = now
    if (stable < SETTLE_STABLE_POLLS) await sleep(SETTLE_POLL_MS)
  }
}

/** Node `i`'s bootstrap peers: up to 3 random earlier nodes (duplicates dropped), by index. */
function bootstrapOf (i: number, random: () => number): number[] {
  return [...new Set(Array.from({ length: Math.min(3, i) }, () => Math.floor(random() * i)))]
}

/**
 * Runs one federation of `mode` nodes and measures `messages` publications; with `idleMs`, first
 * measures the CPU the federation uses for that long while nothing is published.
 */
export async function propagation (mode: 'fulcrum' | 'stock', nodes: number, processes: number, messages: number, idleMs = 0): Promise<PropagationResult> {
  // Seeded: both federations of a run get the same topology and the same publishers in the same order.
  const random = rng(Number(process.env.BENCH_SEED ?? 7))
  const kids = Array.from({ length: processes }, () => child(mode))
  const arrivals = new Map<string, number[]>()
  for (const k of kids) {
    k.proc.on('message', (m: Msg) => {
      if (typeof m.arrived !== 'string') return
      const list = arrivals.get(m.arrived) ?? []
      list.push(m.t as number)
      arrivals.set(m.arrived, list)
    })
  }
  try {
    await Promise.all(kids.map(async k => await k.next('hello')))
    const per = Math.ceil(nodes / processes)
    const addrs: string[] = []
    const owner: Array<[number, number]> = []
    for (let c = 0; c < processes; c++) {
      const count = Math.min(per, nodes - c * per)
      const kid = kids[c] as ReturnType<typeof child>
      const started = kid.next('started')
      const bootstrap = Array.from({ length: count }, (_, k) => bootstrapOf(c * per + k, random))
      kid.proc.send({ cmd: 'start', first: c * per, count, earlier: addrs, bootstrap })
      addrs.push(...((await started).started as string[]))
      for (let k = 0; k < count; k++) owner.push([c, k])
    }
    const deadline = Date.now() + 30_000
    let meshReady = false
    while (Date.now() < deadline) {
      const sizes = (await Promise.all(kids.map(async k => { const r = k.next('mesh'); k.proc.send({ cmd: 'mesh' }); return (await r).mesh as number[] }))).flat()
      if (sizes.every(s => s >= 2)) { meshReady = true; break }
      await sleep(500)
    }
    // Let start-up work settle (DHT refreshes, identify, first syncs): until no connection opened or
    // closed for a while (at once for stock nodes; a Fulcrum node's DHT dials for tens of seconds), then 5 s.
    const settleStart = performance.now()
    await settled(async () => (await Promise.all(kids.map(async k => { const r = k.next('conns'); k.proc.send({ cmd: 'conns' }); return (await r).conns as number }))).reduce((a, c) => a + c, 0))
    const settleMs = performance.now() - settleStart
    await sleep(5000)
    const cpu = async (): Promise<number> => (await Promise.all(kids.map(async k => { const r = k.next('cpu'); k.proc.send({ cmd: 'cpu' }); return (await r).cpu as number }))).reduce((a, c) => a + c, 0)
    let idleCores = 0
    if (idleMs > 0) {
      await cpu()
      const idleStart = performance.now()
      await sleep(idleMs)
      idleCores = await cpu() / (performance.now() - idleStart)
    }
    await Promise.all(kids.map(async k => { const r = k.next('measuring'); k.proc.send({ cmd: 'measure' }); await r }))
    const measureStart = performance.now()
    const toAll: number[] = []
    const perNode: number[] = []
    let lost = 0
    for (let m = 0; m < messages; m++) {
      const [c, k] = owner[Math.floor(random() * owner.length)] as [number, number]
      const kid = kids[c] as ReturnType<typeof child>
      const published = kid.next('published')
      kid.proc.send({ cmd: 'publish', node: k, m })
      const p = await published
      const id = p.published as string
      const t = p.t as number
      const end = Date.now() + 5000
      while ((arrivals.get(id)?.length ?? 0) < nodes - 1 && Date.now() < end) await sleep(2)
      const times = arrivals.get(id) ?? []
      lost += Math.max(0, nodes - 1 - times.length)
      if (times.length >= nodes - 1) toAll.push(Math.max(...times) - t)
      perNode.push(...times.map(x => x - t))
      await sleep(100)
    }
    const stats = await Promise.all(kids.map(async k => { const r = k.next('stats'); k.proc.send({ cmd: 'stats' }); return (await r).stats as ChildStats }))
    const measuredMs = performance.now() - measureStart
    const published = stats.filter(s => s.publishP50 > 0).map(s => s.publishP50)
    return {
      toAllP50: percentile(toAll, 50), toAllP95: percentile(toAll, 95), perNodeP50: percentile(perNode, 50), lost, meshReady,
      loopP99: Math.max(...stats.map(s => s.loopP99)), publishP50: percentile(published, 50),
      duplicates: (stats.reduce((a, s) => a + s.receptions, 0) - perNode.length) / messages / (nodes - 1),
      connections: stats.flatMap(s => s.connections).reduce((a, c) => a + c, 0) / nodes,
      cores: stats.reduce((a, s) => a + s.cpuMs, 0) / measuredMs,
      idleCores,
      settleMs
    }
  } finally {
    await Promise.all(kids.map(async k => {
      if (k.proc.exitCode !== null) return
      const stopped = new Promise(resolve => k.proc.once('exit', resolve))
      k.proc.send({ cmd: 'stop' })
      const timer = setTimeout(() => { k.proc.kill('SIGKILL') }, 20_000)
      await stopped
      clearTimeout(timer)
    }))
  }
}
