/** A simulator worker thread: runs the range of seeds it is given and posts the totals. */
import '../../../../src/polyfill.js'
import { parentPort, workerData } from 'node:worker_threads'
import { runSeeds } from './runner.js'
import type { Mode } from './scenario.js'

const { mode, from, count } = workerData as { mode: Mode, from: number, count: number }
parentPort?.postMessage(runSeeds(mode, from, count))
