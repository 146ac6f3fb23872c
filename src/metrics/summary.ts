/**
 * Rate-limited summaries of gossip for the daemon's info log: one line per topic per interval
 * (default {@link SUMMARY_INTERVAL_MS}) with the counts of messages accepted, ignored, refused
 * (by code) and throttled, and nothing when nothing arrived. A flood of a million bad offers is
 * one line every 10 s, not a million lines; the per-message detail stays at debug level.
 */
import type { Logger } from '../logging/index.js'
import type { GossipResult, Telemetry } from './telemetry.js'

/** One summary line per topic this often at most: readable live, and bounded under a flood. */
export const SUMMARY_INTERVAL_MS = 10_000

/** Distinct refusal codes counted per line at most; the rest are summed under `other`. */
const MAX_CODES = 32

interface Counts { accepted: number, ignored: number, throttled: number, refused: Record<string, number>, refusedTotal: number }

/** Short names of the topics in log lines. */
function topicName (topic: string): string {
  if (topic.includes('offer')) return 'offers'
  if (topic.includes('checkpoint')) return 'checkpoints'
  return topic
}

/** See module doc. Start with {@link GossipSummary.start}; `stop` writes what is pending. */
export class GossipSummary {
  private counts = new Map<string, Counts>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (private readonly log: Logger, private readonly intervalMs = SUMMARY_INTERVAL_MS) {}

  /** Only `gossipVerdict` is summarised; the other events are the metrics'. */
  readonly telemetry: Telemetry = {
    gossipVerdict: (topic, result, code) => { this.count(topic, result, code) },
    protocolRequest: () => {},
    refused: () => {},
    orderState: () => {}
  }

  start (): void {
    this.timer = setInterval(() => { this.flush() }, this.intervalMs)
    this.timer.unref?.()
  }

  stop (): void {
    clearInterval(this.timer)
    this.flush()
  }

  /** Writes one line per topic that saw messages since the last flush. */
  flush (): void {
    const counts = this.counts
    this.counts = new Map()
    for (const [topic, c] of counts) {
      const name = topicName(topic)
      this.log.info(`${name} gossip: ${c.accepted} accepted, ${c.refusedTotal} refused, ${c.ignored} ignored, ${c.throttled} throttled`, {
        component: 'gossip', topic: name, intervalMs: this.intervalMs, accepted: c.accepted, refused: c.refused, ignored: c.ignored, throttled: c.throttled
      })
    }
  }

  private count (topic: string, result: GossipResult, code?: string): void {
    let c = this.counts.get(topic)
    if (c === undefined) {
      c = { accepted: 0, ignored: 0, throttled: 0, refused: {}, refusedTotal: 0 }
      this.counts.set(topic, c)
    }
    if (result === 'accept') c.accepted++
    else if (result === 'ignore') c.ignored++
    else if (result === 'throttle') c.throttled++
    else {
      const key = code !== undefined && (code in c.refused || Object.keys(c.refused).length < MAX_CODES) ? code : 'other'
      c.refused[key] = (c.refused[key] ?? 0) + 1
      c.refusedTotal++
    }
  }
}
