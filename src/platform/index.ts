/**
 * Platform-specific parts behind one contract each, chosen when the code is loaded, not at run time.
 *
 * A module imports `#platform/NAME` (package.json "imports"); the resolver picks the file:
 * - Node, tsx, mocha and the built CLI: the `default` condition, `platform/node/NAME.ts` (built to
 *   `dist/src/platform/node/NAME.js`): node:crypto, exactly the fast path the node always had;
 * - esbuild with `platform: 'browser'` (the page's bundle): the `browser` condition,
 *   `platform/browser/NAME.ts`: @noble/ed25519, @noble/hashes, Web Crypto randomness;
 * - TypeScript: the `types` condition, the node file (the browser file is held to the same shape
 *   by {@link PlatformCrypto} below).
 *
 * Both conditions point into `dist/` so that the built package runs with plain Node; these
 * modules are leaves (they import no project module), so src/ code run by tsx loading them from
 * `dist/` shares no state with a second copy. `npm install` and `npm test` build `dist/` first;
 * after editing a file here, `npm run build`.
 *
 * Modules:
 * - `#platform/crypto`: SHA-256, Ed25519 keys, signing and verification, random bytes;
 * - `#platform/storage`: opening an abstract-level store by location (LevelDB directory on Node,
 *   IndexedDB database in a browser) and the small files kept beside stores (none in a browser).
 *   `storage/openStore` turns its raw errors into the store owner's codes. Code that is handed an
 *   already open store (e.g. `memory-level` in tests of the browser path) skips it:
 *   `MerkleLog.openOn`, `CustomerStore.on`;
 * - `#platform/transports`: the light node's libp2p transports (TCP and WebSockets on Node,
 *   WebSockets only in a browser).
 */
import type * as NodeCrypto from './node/crypto.js'
import type * as BrowserCrypto from './browser/crypto.js'
import type * as NodeStorage from './node/storage.js'
import type * as BrowserStorage from './browser/storage.js'
import type * as NodeTransports from './node/transports.js'
import type * as BrowserTransports from './browser/transports.js'

/** The contract of `#platform/crypto`, as the node implementation declares it. */
export type PlatformCrypto = Omit<typeof NodeCrypto, 'importEd25519PublicKey' | 'ed25519Verify'> & {
  importEd25519PublicKey: (publicKey: Uint8Array) => unknown
}

/** Compile-time check (no code): the browser implementation offers every function of the contract. */
type Implements<T extends PlatformCrypto> = T
export type BrowserCryptoChecked = Implements<typeof BrowserCrypto>

/** The contract of `#platform/storage`. */
export type PlatformStorage = typeof NodeStorage
/** Compile-time check (no code): the browser implementation of storage. */
export type BrowserStorageChecked = Implements2<typeof BrowserStorage>
type Implements2<T extends PlatformStorage> = T

/** The contract of `#platform/transports`. */
export type PlatformTransports = typeof NodeTransports
/** Compile-time check (no code): the browser implementation of transports. */
export type BrowserTransportsChecked = Implements3<typeof BrowserTransports>
type Implements3<T extends PlatformTransports> = T
