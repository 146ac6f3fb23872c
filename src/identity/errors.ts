/** Error codes of the identity module. */
export const IdentityError = {
  /** A private key (seed) of the wrong size or form. */
  BAD_KEY: 'IDENTITY_BAD_KEY',
  /** A public key that is malformed, non-canonical or of small order. */
  BAD_PUBLIC_KEY: 'IDENTITY_BAD_PUBLIC_KEY',
  /** A string that is not a libp2p Ed25519 peer id. */
  BAD_PEER_ID: 'IDENTITY_BAD_PEER_ID'
} as const
export type IdentityErrorCode = typeof IdentityError[keyof typeof IdentityError]
