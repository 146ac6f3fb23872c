import { strict as assert } from 'node:assert'
import { MAX_COLUMNS, Narrator, wrap } from '../../../src/demo/narrator.js'

describe('demo: the narrative', () => {
  it('keeps a short line as it is, spacing included', () => {
    assert.deepEqual(wrap('  Milan      mil-vm-4x16  0.052 EUR/hour'), ['  Milan      mil-vm-4x16  0.052 EUR/hour'])
  })

  it('breaks a long line at spaces, within the width, with a hanging indent', () => {
    const text = '  ' + Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')
    const lines = wrap(text, 40, 4)
    assert.ok(lines.length > 1)
    for (const l of lines) assert.ok(l.length <= 40, l)
    assert.ok(lines[0]?.startsWith('  word0 '))
    for (const l of lines.slice(1)) assert.match(l, /^ {6}\S/)
    assert.equal(lines.map(l => l.trim()).join(' '), text.trim())
  })

  it('cuts a word longer than a line (a multiaddr) rather than overflowing', () => {
    const addr = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAuRYx7pCkN8h2qVt5ZsR9mJd3WbQeL6uF1oTgHcXyP4nAs'
    const lines = wrap(`  peers: ${addr} and more`, 40, 2)
    for (const l of lines) assert.ok(l.length <= 40, l)
    assert.equal(lines.map(l => l.trim()).join('').replace(/ /g, ''), `peers:${addr}andmore`)
  })

  it('numbers the steps and never writes a line wider than MAX_COLUMNS', () => {
    const out: string[] = []
    const n = new Narrator(l => { out.push(l) }, 3, () => 0)
    n.step('A title long enough to need a second line when it is printed in a terminal of 80 columns')
    n.say('x'.repeat(200))
    n.step('Second')
    assert.equal(n.current, 2)
    assert.match(out[1] ?? '', /^\[1\/3\] A title/)
    assert.ok(out.includes('[2/3] Second'))
    for (const l of out) assert.ok(l.length <= MAX_COLUMNS, l)
  })
})
