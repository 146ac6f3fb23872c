import { strict as assert } from 'node:assert'
import { createLogger } from '../../../src/logging/index.js'
import type { LogEntry } from '../../../src/logging/index.js'
import { GossipSummary } from '../../../src/metrics/index.js'

describe('metrics: gossip summaries in the info log', () => {
  it('writes one line per topic per flush with counts by result and refusal code, and nothing when quiet', () => {
    const entries: LogEntry[] = []
    const summary = new GossipSummary(createLogger(e => { entries.push(e) }, 'info'))
    const t = summary.telemetry
    for (let i = 0; i < 1000; i++) t.gossipVerdict('fulcrum/offers/1', 'reject', 'OFFER_BAD_SIGNATURE')
    t.gossipVerdict('fulcrum/offers/1', 'reject', 'OFFER_EXPIRED')
    t.gossipVerdict('fulcrum/offers/1', 'accept')
    t.gossipVerdict('fulcrum/offers/1', 'ignore', 'duplicate')
    t.gossipVerdict('fulcrum/offers/1', 'throttle')
    t.gossipVerdict('fulcrum/checkpoints/1', 'accept')
    summary.flush()
    assert.equal(entries.length, 2)
    const offers = entries.find(e => e.topic === 'offers')
    assert.equal(offers?.level, 'info')
    assert.deepEqual([offers?.accepted, offers?.refused, offers?.ignored, offers?.throttled], [1, { OFFER_BAD_SIGNATURE: 1000, OFFER_EXPIRED: 1 }, 1, 1])
    assert.equal(entries.find(e => e.topic === 'checkpoints')?.accepted, 1)
    summary.flush()
    assert.equal(entries.length, 2)
  })

  it('bounds the codes of one line: past 32 distinct codes the rest count as other', () => {
    const entries: LogEntry[] = []
    const summary = new GossipSummary(createLogger(e => { entries.push(e) }, 'info'))
    for (let i = 0; i < 40; i++) summary.telemetry.gossipVerdict('offers', 'reject', `CODE_${i}`)
    summary.flush()
    const refused = entries[0]?.refused as Record<string, number>
    assert.equal(Object.keys(refused).length, 33)
    assert.equal(refused.other, 8)
  })
})
