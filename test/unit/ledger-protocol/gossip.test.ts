import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { APP_SPECIFIC_WEIGHT, PeerPenalties } from '../../../src/gossip/index.js'
import type { TopicPubSub } from '../../../src/gossip/index.js'
import { originOf, signCheckpoint } from '../../../src/ledger/index.js'
import { CHECKPOINT_RATE, CheckpointGossip, MAX_GOSSIP_NOTE_BYTES } from '../../../src/ledger-protocol/index.js'
import type { Identity } from '../../../src/identity/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { testIdentity } from '../ledger/fixtures.js'

const GRAYLIST_THRESHOLD = -80
const enc = new TextEncoder()
const note = (id: Identity, size: number, root = Uint8Array.from({ length: 32 }, () => size & 0xff)): string =>
  signCheckpoint({ origin: originOf(id.peerId), size, root, extensions: [] }, id)
/** The same note with one more signature line by an unknown key: ignored by verifiers, a new gossip message id. */
const withExtraLine = (text: string): string => `${text}\u2014 example.com/replay ${randomBytes(68).toString('base64')}\n`

describe('ledger-protocol: checkpoint gossip validator (attacks)', () => {
  const attacker = peerIdFromString(testIdentity(70).peerId)
  const log = testIdentity(71)
  let clock = 0
  let penalties: PeerPenalties
  let gossip: CheckpointGossip
  let observed: Array<[string, string]>
  beforeEach(() => {
    clock = 0
    observed = []
    penalties = new PeerPenalties(() => clock)
    gossip = new CheckpointGossip({} as TopicPubSub, testIdentity(72).peerId, async (owner, text) => { observed.push([owner, text]) }, penalties, silentLogger)
  })
  const validate = async (data: Uint8Array | string): Promise<TopicValidatorResult> =>
    await gossip.validate(attacker, { data: typeof data === 'string' ? enc.encode(data) : data })

  it('rejects 2,000 notes of 60 KiB without parsing them, and graylists the sender', async () => {
    const big = new Uint8Array(60 * 1024).fill(0x41)
    let relayed = 0
    for (let i = 0; i < 2000; i++) if (await validate(big) === TopicValidatorResult.Accept) relayed++
    assert.equal(relayed, 0)
    assert.equal(gossip.stats.rejected, 2000)
    assert.ok(big.length > MAX_GOSSIP_NOTE_BYTES)
    assert.ok(penalties.score(attacker.toString()) * APP_SPECIFIC_WEIGHT < GRAYLIST_THRESHOLD)
  })

  it('relays no more valid notes from one peer than its burst plus its rate allow', async () => {
    const logs = Array.from({ length: 300 }, (_, i) => testIdentity(100 + i))
    const notes = logs.map(id => enc.encode(note(id, 1)))
    let relayed = 0
    for (const n of notes) if (await validate(n) === TopicValidatorResult.Accept) relayed++
    assert.equal(relayed, CHECKPOINT_RATE.burst)
    assert.equal(gossip.stats.throttled, 300 - CHECKPOINT_RATE.burst)
    clock += 1000
    let later = 0
    for (const id of logs.slice(0, 50)) if (await validate(note(id, 2)) === TopicValidatorResult.Accept) later++
    assert.equal(later, CHECKPOINT_RATE.perSecond)
    assert.ok(penalties.score(attacker.toString()) < 0, 'over-rate messages are penalised')
  })

  it('rejects and penalises notes that do not verify (forged signature, not a checkpoint)', async () => {
    const forged = note(log, 5).replace('\n5\n', '\n6\n')
    assert.equal(await validate(forged), TopicValidatorResult.Reject)
    assert.equal(await validate('hello\n\n\u2014 x abc\n'), TopicValidatorResult.Reject)
    assert.equal(penalties.score(attacker.toString()), -4)
    assert.deepEqual(observed, [])
  })

  it('relays only news: a replayed older or equal note (with an extra signature line) is ignored; a second root at the same size (split view) is relayed once', async () => {
    assert.equal(await validate(note(log, 3)), TopicValidatorResult.Accept)
    assert.equal(await validate(note(log, 5)), TopicValidatorResult.Accept)
    assert.equal(await validate(withExtraLine(note(log, 3))), TopicValidatorResult.Ignore)
    assert.equal(await validate(withExtraLine(note(log, 5))), TopicValidatorResult.Ignore)
    const other = note(log, 5, new Uint8Array(32).fill(9))
    assert.equal(await validate(other), TopicValidatorResult.Accept)
    assert.equal(await validate(note(log, 5, new Uint8Array(32).fill(10))), TopicValidatorResult.Ignore)
    assert.equal(penalties.score(attacker.toString()), 0, 'a replay is not the relayer\'s fault')
    assert.deepEqual(observed.map(([, text]) => text.split('\n')[1]), ['3', '5', '5'])
  })
})
