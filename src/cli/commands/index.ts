/**
 * The command table: every `fulcrum` command, by name, with the one-line summary that
 * `fulcrum --help` lists and a loader that imports the command's module only when it runs.
 * Loading lazily keeps commands that never touch the network (help, init, id, offer sign/verify,
 * ledger sign, audit bundle/evidence) from loading libp2p: they start about as fast as Node itself
 * (`npm run bench -- cli`; test/e2e/cli-loading.test.ts checks that libp2p stays unloaded).
 * Adding a command is one entry here and one module in this folder.
 */
import type { Command } from '../command.js'

/** One row of the table: the summary shown in lists, and how to load the command. */
export interface CommandEntry {
  summary: string
  load: () => Promise<Command>
}

export const commands: Record<string, CommandEntry> = {
  init: {
    summary: 'create a data directory with a new ed25519 identity, a config and an API token',
    load: async () => (await import('./identity.js')).initCommand
  },
  id: {
    summary: 'print the peer id and public key of a data directory',
    load: async () => (await import('./identity.js')).idCommand
  },
  'offer sign': {
    summary: 'sign a JSON offer (draft) with the data dir\'s key; prints the signed record as JSON',
    load: async () => (await import('./offer.js')).offerSignCommand
  },
  'offer verify': {
    summary: 'verify a signed offer or withdrawal (JSON, or canonical CBOR bytes); exit 0 valid, 1 invalid',
    load: async () => (await import('./offer.js')).offerVerifyCommand
  },
  start: {
    summary: 'run a provider node (libp2p, offer gossip, DHT index, catalog sync, control API) until SIGINT/SIGTERM',
    load: async () => (await import('./daemon.js')).startCommand
  },
  'config check': {
    summary: 'check the data dir\'s config.json against the schema: exit 0 valid, 1 with every bad key named',
    load: async () => (await import('./config.js')).configCheckCommand
  },
  'offer publish': {
    summary: 'publish an offer through the running node (a draft is signed by the node\'s key)',
    load: async () => (await import('./daemon.js')).offerPublishCommand
  },
  'offer withdraw': {
    summary: 'withdraw one of the running node\'s offers (signs and gossips a withdrawal)',
    load: async () => (await import('./daemon.js')).offerWithdrawCommand
  },
  'offer list': {
    summary: 'list the running node\'s own live offers',
    load: async () => (await import('./daemon.js')).offerListCommand
  },
  'offer show': {
    summary: 'show one offer of the running node\'s catalog in full (its own first; --provider picks one)',
    load: async () => (await import('./offer-show.js')).offerShowCommand
  },
  status: {
    summary: 'what the running node does: peer id, addresses, peers, offers, orders, ledger, uptime',
    load: async () => (await import('./status.js')).statusCommand
  },
  stop: {
    summary: 'stop the running node of a data dir cleanly and wait until it has exited',
    load: async () => (await import('./status.js')).stopCommand
  },
  peers: {
    summary: 'list the peers the running node is connected to',
    load: async () => (await import('./daemon.js')).peersCommand
  },
  search: {
    summary: 'search offers as a light client: asks nodes, verifies every offer itself, merges',
    load: async () => (await import('./search.js')).searchCommand
  },
  'ledger checkpoint': {
    summary: 'print the latest signed checkpoint of the ledger (C2SP tlog-checkpoint note)',
    load: async () => (await import('./ledger.js')).ledgerCheckpointCommand
  },
  'ledger vkey': {
    summary: 'print the verifier key of the ledger\'s checkpoints (signed-note vkey)',
    load: async () => (await import('./ledger.js')).ledgerVkeyCommand
  },
  'ledger export': {
    summary: 'write the ledger as a JSON bundle { origin, vkey, checkpoint, leaves } for offline audit',
    load: async () => (await import('./ledger.js')).ledgerExportCommand
  },
  'ledger proof': {
    summary: 'print the inclusion proof of entry N in the tree of size S (default: the latest checkpoint)',
    load: async () => (await import('./ledger.js')).ledgerProofCommand
  },
  'ledger sign': {
    summary: 'add this data dir\'s signature to an entry its parties sign in turn (JSON { type, body, sigs? }; null = not signed yet)',
    load: async () => (await import('./ledger-sign.js')).ledgerSignCommand
  },
  'ledger append': {
    summary: 'append a signed entry (JSON { type, body, sigs }) to the ledger, through the daemon if it runs (which asks the other parties to cosign)',
    load: async () => (await import('./ledger.js')).ledgerAppendCommand
  },
  'ledger list': {
    summary: 'list the agreements of the ledger: id, state (active, terminating, terminated), created, parties, term, items',
    load: async () => (await import('./ledger-agreements.js')).ledgerListCommand
  },
  'ledger show': {
    summary: 'show one agreement of the ledger in full: parties, items, terms, terminations and amendments',
    load: async () => (await import('./ledger-agreements.js')).ledgerShowCommand
  },
  'ledger recover': {
    summary: 'rebuild a damaged ledger from an export or from counterparties, checked against the last acknowledged checkpoint',
    load: async () => (await import('./ledger-recover.js')).ledgerRecoverCommand
  },
  'audit bundle': {
    summary: 'audit an exported ledger bundle offline: checkpoint signature, root, entries, signatures',
    load: async () => (await import('./audit.js')).auditBundleCommand
  },
  'audit peer': {
    summary: 'audit a live node\'s ledger: consistent with the last audit (kept in the state dir), every new entry valid',
    load: async () => (await import('./audit-network.js')).auditPeerCommand
  },
  'audit agreement': {
    summary: 'check that an agreement is in every party\'s log with the same body (one --peer per party)',
    load: async () => (await import('./audit-network.js')).auditAgreementCommand
  },
  'audit evidence': {
    summary: 'check an evidence file (from audit peer or a node\'s witness): valid proof of a split view, rollback or fork?',
    load: async () => (await import('./audit.js')).auditEvidenceCommand
  },
  'order plan': {
    summary: 'plan an order: the cheapest combination of live, verified offers meeting every constraint',
    load: async () => (await import('./order.js')).orderPlanCommand
  },
  'order place': {
    summary: 'place an order with every provider at once, all or nothing (light client, no daemon needed)',
    load: async () => (await import('./order-place.js')).orderPlaceCommand
  },
  'order status': {
    summary: 'show one of this customer\'s orders and each provider\'s state (resumes unfinished orders first)',
    load: async () => (await import('./order-place.js')).orderStatusCommand
  },
  'order terminate': {
    summary: 'terminate one of this customer\'s agreements with a notice period, signed by every party (light client, no daemon needed)',
    load: async () => (await import('./order-terminate.js')).orderTerminateCommand
  },
  'order list': {
    summary: 'list this customer\'s orders with their status (resumes unfinished orders first)',
    load: async () => (await import('./order-place.js')).orderListCommand
  },
  web: {
    summary: 'serve the web page on 127.0.0.1: search and verify offers in a browser, which trusts no node',
    load: async () => (await import('./web.js')).webCommand
  },
  demo: {
    summary: 'run a five-city federation on 127.0.0.1 and narrate orders and audits (also npm run demo)',
    load: async () => (await import('./demo.js')).demoCommand
  }
}
