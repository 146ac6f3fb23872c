import { strict as assert } from 'node:assert'
import { createPinoLogger } from '../../../src/logging/pino.js'

describe('the daemon logger (pino)', () => {
  it('writes one JSON line per entry with the level name, an ISO time, the message and the child fields', () => {
    const lines: string[] = []
    const log = createPinoLogger({ level: 'info', write: l => lines.push(l) })
    log.child({ component: 'peers' }).info('peer connected', { peer: '12D3KooWabc', peers: 3 })
    assert.equal(lines.length, 1)
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>
    assert.equal(entry.level, 'info')
    assert.equal(entry.msg, 'peer connected')
    assert.equal(entry.component, 'peers')
    assert.equal(entry.peer, '12D3KooWabc')
    assert.equal(entry.peers, 3)
    assert.ok(!Number.isNaN(Date.parse(entry.time as string)))
    assert.match(entry.time as string, /^\d{4}-\d\d-\d\dT/)
  })

  it('drops entries below its level', () => {
    const lines: string[] = []
    const log = createPinoLogger({ level: 'warn', write: l => lines.push(l) })
    log.debug('d')
    log.info('i')
    log.warn('w')
    log.error('e')
    assert.deepEqual(lines.map(l => (JSON.parse(l) as { msg: string }).msg), ['w', 'e'])
  })

  it('writes readable lines, not JSON, for a terminal', () => {
    const lines: string[] = []
    const log = createPinoLogger({ level: 'info', write: l => lines.push(l), pretty: true })
    log.info('node started', { component: 'node' })
    assert.equal(lines.length, 1)
    assert.throws(() => JSON.parse(lines[0] as string))
    assert.match(lines[0] as string, /INFO/)
    assert.match(lines[0] as string, /node started/)
  })

  it('never lets a failing writer break the caller', () => {
    const log = createPinoLogger({ level: 'info', write: () => { throw new Error('disk full') } })
    log.info('still fine')
  })
})
