import { strict as assert } from 'node:assert'
import { canonicalIpv6, isOfferAddress, isPlainText, isTermsUrl } from '../../../src/offers/grammar.js'
import { createIdentity } from '../../../src/identity/index.js'

describe('offer-v1 string grammars (protocols/offer-v1.md §Strings)', () => {
  it('counts text in code points and refuses every control character and lone surrogates', () => {
    assert.ok(isPlainText('😀'.repeat(64), 64), '64 code points (128 UTF-16 units) fit')
    assert.ok(!isPlainText('😀'.repeat(65), 64))
    assert.ok(isPlainText('Übergröße é', 64))
    for (const c of ['\u0000', '\u001f', '\u007f', '\u0080', '\u009f']) assert.ok(!isPlainText(`a${c}b`, 64), `U+${c.charCodeAt(0).toString(16)}`)
    assert.ok(isPlainText('a\u00a0b', 64), 'U+00A0 is not a control character')
    assert.ok(!isPlainText('a\ud800b', 64), 'lone surrogate')
    assert.ok(!isPlainText('', 64))
  })

  it('accepts https URLs of the grammar only', () => {
    for (const ok of ['https://cloud.example.it/terms/v3', 'https://a.example:8443/t?x=1&y=%2F#s', 'https://x-y.example.com']) assert.ok(isTermsUrl(ok, 400), ok)
    for (const bad of ['http://a.example/t', 'https:a.example/t', 'https://A.example/t', 'https://a.example:0/t', 'https://a.example:65536/',
      'https://a.example/ t', 'https://a.example/%zz', 'https://user@a.example/', 'https://1.2.3.4/', 'https://localhost/', 'https://a.example/\\x',
      ' https://a.example/', `https://a.example/${'x'.repeat(400)}`]) {
      assert.ok(!isTermsUrl(bad, 400), bad)
    }
  })

  it('accepts addresses of the grammar in canonical form only', () => {
    const peer = createIdentity().peerId
    for (const ok of ['/ip4/127.0.0.1/tcp/4001', `/ip4/127.0.0.2/tcp/4001/p2p/${peer}`, '/ip6/::ffff:7f00:1/tcp/1', '/dns4/localhost/tcp/443/wss',
      '/dns/localhost/udp/4001/quic-v1', '/ip6/::1/tcp/0']) assert.ok(isOfferAddress(ok, 200), ok)
    for (const bad of ['/ip4/127.0.0.01/tcp/1', '/ip4/256.0.0.1/tcp/1', '/ip4/127.0.0.1', '/ip4/127.0.0.1/tcp/65536', '/ip4/127.0.0.1/tcp/01',
      '/ip6/::FFFF:7F00:1/tcp/1', '/ip6/0:0:0:0:0:0:0:1/tcp/1', '/ip6/0:0::1/tcp/1', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWnotapeerid',
      '/ip4/127.0.0.1/udp/1', '/ip4/127.0.0.1/tcp/1/', 'ip4/127.0.0.1/tcp/1']) {
      assert.ok(!isOfferAddress(bad, 200), bad)
    }
  })

  it('writes IPv6 addresses in RFC 5952 form', () => {
    assert.equal(canonicalIpv6('2001:0db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'first of two equal runs')
    assert.equal(canonicalIpv6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'one zero group is not compressed')
    assert.equal(canonicalIpv6('::'), '::')
    assert.equal(canonicalIpv6('1::2::3'), undefined)
    assert.equal(canonicalIpv6('1:2:3:4:5:6:7:8:9'), undefined)
  })
})
