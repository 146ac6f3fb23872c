/**
 * The simulator's signature scheme: a keyed SHA-256 MAC per peer id, 64 bytes like an Ed25519
 * signature. It binds a signature to the signer and the exact signing bytes like the real scheme
 * (so a certificate for another body, or a missing signature, fails exactly as with Ed25519), at a
 * fraction of the cost, which lets `npm test` run ten thousand negotiations. The machines' unit tests
 * and the `real crypto` simulator runs use Ed25519.
 */
import { createHash } from 'node:crypto'
import type { OrderSigner, Verifier } from '../../../../src/orders/index.js'

function mac (peerId: string, message: Uint8Array): Uint8Array {
  const a = createHash('sha256').update('sim-key:').update(peerId).update(message).digest()
  const out = new Uint8Array(64)
  out.set(a, 0); out.set(a, 32)
  return out
}

/** A signer for `peerId` under the simulated scheme. */
export function simSigner (peerId: string): OrderSigner {
  return { peerId, sign: (m) => mac(peerId, m) }
}

/** Verifies simulated signatures. */
export const simVerifier: Verifier = (peerId, message, sig) => {
  const want = mac(peerId, message)
  return sig.length === 64 && want.every((x, i) => x === sig[i])
}
