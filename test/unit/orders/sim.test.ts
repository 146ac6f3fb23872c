/**
 * The order simulator in `npm test` (protocols/order-v1.md §7): FULCRUM_SIM_SEEDS seeds (default
 * 10,000) with the timing assumption kept, plus a share with it broken on purpose, plus each
 * deliberate protocol bug, which the checks must catch. A failing seed prints the one command that
 * replays it: `FULCRUM_SIM_SEED=<seed> FULCRUM_SIM_MODE=<mode> npx mocha test/unit/orders/sim.test.ts`.
 */
import { strict as assert } from 'node:assert'
import { check } from './sim/checks.js'
import { MUTATIONS } from './sim/mutations.js'
import type { Mutation } from './sim/mutations.js'
import { runSeeds, runSeedsParallel } from './sim/runner.js'
import type { Totals } from './sim/runner.js'
import { scenario } from './sim/scenario.js'
import type { Mode } from './sim/scenario.js'
import { run } from './sim/world.js'
import { ed25519Verifier } from '../../../src/orders/index.js'

const SEEDS = Number(process.env.FULCRUM_SIM_SEEDS ?? 10_000)
const ONE = process.env.FULCRUM_SIM_SEED === undefined ? undefined : Number(process.env.FULCRUM_SIM_SEED)
const ONE_MODE = (process.env.FULCRUM_SIM_MODE ?? 'honest') as Mode
/** Broken-timing runs (about three times the events of an honest run): a twentieth of the honest count, at least 200. */
const BROKEN = Math.max(200, Math.floor(SEEDS / 20))

const summary = (name: string, t: Totals, ms: number): string =>
  `${name}: ${t.runs} runs in ${ms} ms, ${t.committed} orders committed, ${t.aborted} aborted, ${t.partial} partial, ${t.events} events`

describe('orders: deterministic simulation', function () {
  this.timeout(600_000)

  if (ONE !== undefined) {
    const mutation = process.env.FULCRUM_SIM_MUTATION as Mutation | undefined
    it(`replays seed ${ONE} (${ONE_MODE}${mutation === undefined ? '' : `, ${mutation}`})`, () => {
      const out = run(scenario(ONE, ONE_MODE), mutation)
      const v = check(out)
      console.log(JSON.stringify({ scenario: out.scenario, events: out.events, verdict: v }, null, 2))
      assert.deepEqual(v.violations, [])
    })
    return
  }

  it(`keeps all or nothing, no overbooking and ends every hold over ${SEEDS} seeds with the timing assumption kept`, async () => {
    const start = Date.now()
    const t = await runSeedsParallel('honest', 1, SEEDS)
    console.log(`      ${summary('honest', t, Date.now() - start)}`)
    assert.deepEqual(t.failures, [])
    assert.ok(t.committed > SEEDS / 10 && t.aborted > SEEDS / 10, 'the scenarios exercise both outcomes')
  })

  it(`over ${BROKEN} seeds with the timing assumption broken, every partial outcome is detectable and nothing is overbooked`, async () => {
    const start = Date.now()
    const t = await runSeedsParallel('broken', 1_000_000, BROKEN)
    console.log(`      ${summary('broken', t, Date.now() - start)}`)
    assert.deepEqual(t.failures, [])
  })

  it('runs 20 seeds with real Ed25519 signatures instead of the simulated scheme, with the same verdicts', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const real = check(run(scenario(seed, 'honest'), undefined, true), ed25519Verifier)
      assert.deepEqual(real.violations, [], `seed ${seed}`)
      const sim = check(run(scenario(seed, 'honest')))
      assert.deepEqual([real.committed, real.aborted], [sim.committed, sim.aborted], `seed ${seed} decided otherwise with real signatures`)
    }
  })

  for (const mutation of MUTATIONS) {
    it(`catches a deliberate bug: ${mutation}`, () => {
      const honest = runSeeds('honest', 1, Math.min(SEEDS, 500), mutation, 1)
      const broken = honest.failures.length > 0 ? honest : runSeeds('broken', 1_000_000, Math.max(BROKEN, 500), mutation, 1)
      console.log(`      ${mutation}: caught after ${honest.runs}${broken === honest ? '' : ` honest + ${broken.runs} broken`} runs: ${(broken.failures[0] ?? 'NOT CAUGHT').split('\n')[0]}`)
      assert.ok(broken.failures.length > 0, `the checks did not catch ${mutation}`)
    })
  }
})
