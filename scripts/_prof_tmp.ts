import '../test/setup.js'
import { scenario } from '../test/unit/orders/sim/scenario.js'
import { run } from '../test/unit/orders/sim/world.js'
import { check } from '../test/unit/orders/sim/checks.js'
const N = Number(process.env.N ?? 500)
const c0 = process.cpuUsage(); const t = Date.now()
for (let s = 1; s <= N; s++) check(run(scenario(s, 'honest')))
const c = process.cpuUsage(c0)
console.log(`${N} runs: wall ${Date.now() - t} ms, cpu ${(c.user + c.system) / 1000} ms`)
