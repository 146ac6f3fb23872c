import { strict as assert } from 'node:assert'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { StreamedObjectReader } from '../../../src/encoding/json-stream.js'
import { isFulcrumError } from '../../../src/errors/index.js'

/** Reads `text` fed in chunks that end at `cuts`; the elements and the rest, or the error's class. */
function read (text: string | Uint8Array, cuts: number[] = [], key = 'leaves'): { elements: unknown[], value: unknown, count: number | undefined } {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  const reader = new StreamedObjectReader(key)
  const elements: unknown[] = []
  let at = 0
  for (const cut of [...cuts.filter(c => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    elements.push(...reader.push(bytes.subarray(at, cut)))
    at = cut
  }
  const { value, elements: count } = reader.end()
  return { elements, value, count }
}

/** What JSON.parse makes of `text`, split the same way (the streamed array taken out). */
function reference (text: string, key = 'leaves'): { elements: unknown[], value: unknown, count: number | undefined } {
  // The reader sees UTF-8 bytes: a lone surrogate in `text` reaches it as U+FFFD.
  const value = JSON.parse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(text))) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray((value as Record<string, unknown>)[key])) {
    return { elements: [], value, count: undefined }
  }
  const { [key]: elements, ...rest } = value as Record<string, unknown[]>
  return { elements: elements as unknown[], value: rest, count: (elements as unknown[]).length }
}

const outcome = (f: () => unknown): unknown => {
  try {
    return JSON.parse(JSON.stringify(f()))
  } catch (err) {
    return err instanceof SyntaxError ? 'SyntaxError' : err
  }
}

const BUNDLE = JSON.stringify({ origin: 'o', vkey: 'k', checkpoint: 'a\nb\n', leaves: ['QUJD', 'REVG', ''] }, null, 2)

describe('encoding: a streamed JSON object (bundles)', () => {
  it('gives the elements and the other members exactly as JSON.parse, wherever the chunks end', () => {
    const want = reference(BUNDLE)
    for (let a = 0; a <= BUNDLE.length; a++) {
      for (let b = a; b <= BUNDLE.length; b += 7) assert.deepEqual(outcome(() => read(BUNDLE, [a, b])), outcome(() => want), `cuts ${a} ${b}`)
    }
  })

  it('agrees with JSON.parse on generated objects and on every damaged copy of them', () => {
    const json = fc.letrec(tie => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3 }))
    })).value
    const doc = fc.record({
      members: fc.dictionary(fc.string({ maxLength: 6 }).filter(k => k !== 'leaves'), json, { maxKeys: 4 }),
      leaves: fc.option(fc.array(fc.oneof(fc.base64String(), fc.string({ unit: 'binary' }), json), { maxLength: 6 }), { nil: undefined }),
      space: fc.constantFrom(0, 1, '\t', ' \r\n')
    }).map(({ members, leaves, space }) => JSON.stringify(leaves === undefined ? members : { ...members, leaves }, null, space))
    // Damage with any ASCII byte, a byte order mark, a non-ASCII letter or a lone surrogate.
    const damage = fc.oneof(fc.integer({ min: 0, max: 127 }).map(c => String.fromCharCode(c)), fc.constantFrom('\ufeff', '\u00e9', '\u{1F600}', '\ud800'))
    fc.assert(fc.property(doc, fc.array(fc.nat(400), { maxLength: 4 }), fc.nat(400), damage, (text, cuts, at, byte) => {
      assert.deepEqual(outcome(() => read(text, cuts)), outcome(() => reference(text)))
      // One byte changed, one removed, the text cut short: the same verdict as JSON.parse.
      const i = at % (text.length + 1)
      for (const damaged of [text.slice(0, i) + byte + text.slice(i + 1), byte + text, text.slice(0, i) + text.slice(i + 1), text.slice(0, i)]) {
        if (hasDuplicateKeys(damaged)) continue
        assert.deepEqual(outcome(() => read(damaged, cuts)), outcome(() => reference(damaged)), JSON.stringify(damaged))
      }
    }), { numRuns: 400 })
  })

  it('reads escaped, control and non-ASCII leaves through JSON.parse, and plain ones as they are', () => {
    const text = '{"leaves":["QUJD","\\u0051UJD","caf\u00e9",7,{"a":[1,"]"]},"x\\"y"]}'
    assert.deepEqual(read(text, [13, 14, 15]).elements, ['QUJD', 'QUJD', 'caf\u00e9', 7, { a: [1, ']'] }, 'x"y'])
    assert.equal(outcome(() => read('{"leaves":["a\u0001b"]}')), 'SyntaxError')
  })

  it('refuses what JSON.parse refuses, and a repeated member name', () => {
    for (const bad of ['', '{', '{"leaves":[', '{"leaves":["a"', '{"leaves":["a",]}', '{"leaves":[,"a"]}', '{"a":1,}', '{"a" 1}',
      '{"a":01}', '{"a":tru}', '{} {}', '{}x', '{"leaves":["a"]]}', '{a:1}', '{"a":1 "b":2}', '{"a":[1}', '{"a":"\\x"}']) {
      assert.equal(outcome(() => read(bad)), 'SyntaxError', bad)
    }
    assert.equal(outcome(() => read('{"leaves":[],"leaves":[]}')), 'SyntaxError')
    assert.equal(outcome(() => read('{"a":1,"a":1}')), 'SyntaxError')
  })

  it('hands back a text that is not an object as JSON.parse reads it, and a streamed member that is not an array as a member', () => {
    assert.deepEqual(read(' [1, 2] '), { elements: [], value: [1, 2], count: undefined })
    assert.deepEqual(read('"x"'), { elements: [], value: 'x', count: undefined })
    assert.deepEqual(read('{"leaves":5}').value, { leaves: 5 })
    assert.equal(read('{"leaves":[]}').count, 0)
    assert.equal(read('{}').count, undefined)
  })

  it('refuses a byte order mark anywhere, as JSON.parse does', () => {
    for (const text of ['\ufeff{"leaves":[]}', '{"a":\ufeff1,"leaves":[]}', '{"leaves":[\ufeff"QUJD"]}', '\ufeff[]']) {
      assert.equal(outcome(() => read(text)), 'SyntaxError', JSON.stringify(text))
    }
  })

  it('keeps what a value gathers over many tiny chunks in one buffer', () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const reader = new StreamedObjectReader('leaves')
    const text = new TextEncoder().encode(`{"origin":"${'o'.repeat(100_000)}","leaves":["QUJD"]}`)
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < text.length - 20; i++) reader.push(text.subarray(i, i + 1))
    gc()
    // A copy per chunk kept 100,000 typed arrays alive here (tens of MB of heap).
    assert.ok(process.memoryUsage().heapUsed - before < 4 * 1024 * 1024, `${process.memoryUsage().heapUsed - before} bytes more heap`)
    reader.push(text.subarray(text.length - 20))
    assert.equal((reader.end().value as { origin: string }).origin.length, 100_000)
  })

  it('refuses a single value larger than its limit (ENCODING_TOO_LARGE), however many elements come', () => {
    const big = 'Q'.repeat(5000)
    const chunked = (text: string): string[] => text.match(/[^]{1,1000}/g) ?? []
    const feed = (text: string): unknown => {
      const reader = new StreamedObjectReader('leaves', 4096)
      for (const c of chunked(text)) reader.push(new TextEncoder().encode(c))
      return reader.end()
    }
    for (const text of [`{"origin":"${big}","leaves":[]}`, `{"leaves":["${big}"]}`, `{"x":[${'1,'.repeat(2500)}1],"leaves":[]}`, `["${big}"]`]) {
      assert.throws(() => feed(text), (e: unknown) => isFulcrumError(e, 'ENCODING_TOO_LARGE'), text.slice(0, 20))
    }
    assert.equal((feed(`{"leaves":[${Array.from({ length: 50 }, () => `"${'Q'.repeat(1000)}"`).join(',')}]}`) as { elements: number }).elements, 50)
  })

  it('keeps memory to the element in progress: pushes return elements as they complete', () => {
    const reader = new StreamedObjectReader('leaves')
    assert.deepEqual(reader.push(new TextEncoder().encode('{"origin":"o","leaves":["QU')), [])
    assert.deepEqual(reader.push(new TextEncoder().encode('JD","RE')), ['QUJD'])
    assert.deepEqual(reader.push(new TextEncoder().encode('VG"]}')), ['REVG'])
    assert.deepEqual(reader.end(), { value: { origin: 'o' }, elements: 2 })
  })
})

/** True if `text` is valid JSON in which some object repeats a member name (JSON.parse takes the last; the reader refuses). */
function hasDuplicateKeys (text: string): boolean {
  try {
    JSON.parse(text)
  } catch {
    return false
  }
  const scopes: Array<Set<string> | undefined> = [] // a set per open object, undefined per open array
  for (let i = 0; i < text.length;) {
    const c = text[i] as string
    if (c === '{' || c === '[') { scopes.push(c === '{' ? new Set() : undefined); i++; continue }
    if (c === '}' || c === ']') { scopes.pop(); i++; continue }
    if (c !== '"') { i++; continue }
    const start = i++
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    const name = JSON.parse(text.slice(start, ++i)) as string
    let j = i
    while (' \n\r\t'.includes(text[j] as string)) j++
    const scope = scopes[scopes.length - 1]
    if (text[j] === ':' && scope !== undefined) {
      if (scope.has(name)) return true
      scope.add(name)
    }
  }
  return false
}
