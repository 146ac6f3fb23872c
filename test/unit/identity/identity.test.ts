import { strict as assert } from 'node:assert'
import * as ed from '@noble/ed25519'
import { peerIdFromPublicKey as libp2pPeerIdFromPublicKey } from '@libp2p/peer-id'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import fc from 'fast-check'
import {
  createIdentity, publicKeyFromPeerId, peerIdFromPublicKey, sign, verify, verifyPortable,
  isAcceptablePublicKey, isPeerId, IdentityError
} from '../../../src/identity/index.js'
import { isFulcrumError } from '../../../src/errors/index.js'

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i)

describe('identity', () => {
  it('derives the same public key and signatures as @noble/ed25519 (RFC 8032 test 1)', () => {
    // RFC 8032 §7.1 TEST 1
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    const id = createIdentity(new Uint8Array(seed))
    assert.equal(Buffer.from(id.publicKey).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    const sig = id.sign(new Uint8Array())
    assert.equal(Buffer.from(sig).toString('hex'),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')
    assert.deepEqual(sig, ed.sign(new Uint8Array(), seed))
  })

  it('makes the same peer id as libp2p', async () => {
    const id = createIdentity(SEED)
    const key = await generateKeyPairFromSeed('Ed25519', SEED)
    assert.equal(id.peerId, libp2pPeerIdFromPublicKey(key.publicKey).toString())
    assert.ok(id.peerId.startsWith('12D3KooW'))
    assert.deepEqual(publicKeyFromPeerId(id.peerId), id.publicKey)
  })

  it('node:crypto and noble agree on random keys and messages, and any flipped bit fails both', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(), (seed, msg, bit) => {
      const id = createIdentity(seed)
      const sig = id.sign(msg)
      assert.ok(verify(id.publicKey, msg, sig))
      assert.ok(verifyPortable(id.publicKey, msg, sig))
      const bad = sig.slice()
      const i = bit % (bad.length * 8)
      bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7))
      assert.equal(verify(id.publicKey, msg, bad), false)
      assert.equal(verifyPortable(id.publicKey, msg, bad), false)
    }), { numRuns: 200 })
  })

  it('rejects a signature with a non-canonical S (S + L)', () => {
    const id = createIdentity(SEED)
    const msg = new TextEncoder().encode('m')
    const sig = id.sign(msg)
    let s = 0n
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number)
    s += 2n ** 252n + 27742317777372353535851937790883648493n
    const bad = sig.slice()
    for (let i = 32; i < 64; i++) { bad[i] = Number(s & 0xffn); s >>= 8n }
    assert.equal(verify(id.publicKey, msg, bad), false)
    assert.equal(verifyPortable(id.publicKey, msg, bad), false)
  })

  it('rejects small-order and non-canonical public keys', () => {
    const identityPoint = new Uint8Array(32); identityPoint[0] = 1 // (0, 1), order 1
    const nonCanonical = new Uint8Array(32).fill(0xff); nonCanonical[31] = 0x7f // y >= p
    for (const key of [identityPoint, nonCanonical, new Uint8Array(31)]) {
      assert.equal(isAcceptablePublicKey(key), false)
      assert.equal(verify(key, new Uint8Array(), new Uint8Array(64)), false)
      assert.equal(verifyPortable(key, new Uint8Array(), new Uint8Array(64)), false)
    }
    assert.throws(() => publicKeyFromPeerId(peerIdFromPublicKey(identityPoint)),
      (e: unknown) => isFulcrumError(e, IdentityError.BAD_PEER_ID))
  })

  it('rejects strings that are not Ed25519 peer ids', () => {
    const good = createIdentity(SEED).peerId
    for (const bad of ['', 'x', good.slice(1), `${good.slice(0, -1)}0`, 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N']) {
      assert.equal(isPeerId(bad), false, bad)
    }
    assert.equal(isPeerId(good), true)
  })

  it('sign() and verify() work on raw seeds', () => {
    const id = createIdentity(SEED)
    const msg = Uint8Array.of(1, 2, 3)
    assert.ok(verify(id.publicKey, msg, sign(SEED, msg)))
  })
})
