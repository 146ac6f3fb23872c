/**
 * Inputs for the CLI commands that work offline (init, id, offer sign/verify, ledger sign, audit
 * bundle/evidence), made once in a temporary directory: shared by the loading test
 * (test/e2e/cli-loading.test.ts) and the start-up benchmark (scripts/bench/cli.ts).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkUpdate } from '../../src/audit/index.js'
import { loadIdentity } from '../../src/datadir/index.js'
import { leafHash, ledgerVerifierKey, openNodeCheckpoint, originOf, rootFromLeafHashes, signCheckpoint } from '../../src/ledger/index.js'
import { cli } from './cli.js'
import { testIdentity } from '../unit/ledger/fixtures.js'

/** Example offer draft shipped with the project. */
const EXAMPLE_DRAFT = fileURLToPath(new URL('../../config/examples/milan-vm.json', import.meta.url))

/** Paths of the prepared inputs. */
export interface CliFixtures {
  /** A data dir (made by `fulcrum init`). */
  dataDir: string
  /** A second party's data dir (for the agreement in the bundle). */
  otherDir: string
  draft: string
  /** A signed offer record (JSON). */
  offer: string
  /** An agreement entry nobody has signed yet. */
  entry: string
  /** A ledger exported by `fulcrum ledger export`, holding one agreement signed by both parties. */
  bundle: string
  /** A split-view evidence file. */
  evidence: string
  /** Where a command may write its output. */
  out: string
}

async function run (argv: string[]): Promise<void> {
  const r = await cli(argv)
  if (r.code !== 0) throw new Error(`fulcrum ${argv.join(' ')} failed (${r.code}): ${r.err}`)
}

/** Makes every input in `dir` (which must exist and be empty). */
export async function makeCliFixtures (dir: string): Promise<CliFixtures> {
  const f: CliFixtures = {
    dataDir: join(dir, 'provider'),
    otherDir: join(dir, 'customer'),
    draft: EXAMPLE_DRAFT,
    offer: join(dir, 'offer.json'),
    entry: join(dir, 'entry.json'),
    bundle: join(dir, 'bundle.json'),
    evidence: join(dir, 'evidence.json'),
    out: join(dir, 'out.json')
  }
  await run(['init', '--data-dir', f.dataDir])
  await run(['init', '--data-dir', f.otherDir])
  await run(['offer', 'sign', f.draft, '--data-dir', f.dataDir, '--out', f.offer])
  const parties = (await Promise.all([f.dataDir, f.otherDir].map(loadIdentity))).map(i => i.peerId).sort()
  await writeFile(f.entry, JSON.stringify({
    type: 'agreement',
    body: { id: 'deal-1', parties, createdAt: 1_790_000_000_000, terms: { offer: 'x/y', quantity: 1, price: '10', currency: 'EUR' } }
  }))
  const half = join(dir, 'half.json')
  const full = join(dir, 'full.json')
  await run(['ledger', 'sign', f.entry, '--data-dir', f.dataDir, '--out', half])
  await run(['ledger', 'sign', half, '--data-dir', f.otherDir, '--out', full])
  await run(['ledger', 'append', full, '--data-dir', f.dataDir])
  await run(['ledger', 'export', '--data-dir', f.dataDir, '--out', f.bundle])
  await writeFile(f.evidence, JSON.stringify(splitViewEvidence()))
  return f
}

/** Evidence of a log that signed two roots for size 5. */
function splitViewEvidence (): unknown {
  const owner = testIdentity(40)
  const origin = originOf(owner.peerId)
  const hashes = Array.from({ length: 5 }, (_, i) => leafHash(Uint8Array.of(i)))
  const forked = hashes.map((h, i) => i === 2 ? leafHash(Uint8Array.of(99)) : h)
  const cp = (leaves: Uint8Array[]): ReturnType<typeof openNodeCheckpoint> =>
    openNodeCheckpoint(signCheckpoint({ origin, size: 5, root: rootFromLeafHashes(leaves), extensions: [] }, owner), owner.peerId)
  const r = checkUpdate(ledgerVerifierKey(owner.peerId), cp(hashes), cp(forked), undefined)
  if (r.ok) throw new Error('a split view must be evidence')
  return r.evidence
}

/** The offline commands, as arguments of `fulcrum`, with `init` writing into `fresh` (a dir that must not exist yet). */
export function offlineCommands (f: CliFixtures, fresh: string): Record<string, string[]> {
  return {
    '--help': ['--help'],
    '--version': ['--version'],
    init: ['init', '--data-dir', fresh],
    id: ['id', '--data-dir', f.dataDir],
    'offer sign': ['offer', 'sign', f.draft, '--data-dir', f.dataDir, '--out', f.out],
    'offer verify': ['offer', 'verify', f.offer],
    'ledger sign': ['ledger', 'sign', f.entry, '--data-dir', f.dataDir, '--out', f.out],
    'audit bundle': ['audit', 'bundle', f.bundle],
    'audit evidence': ['audit', 'evidence', f.evidence]
  }
}
