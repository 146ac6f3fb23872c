/**
 * `fulcrum ledger sign`: a party adds its signature to an agreement entry, offline. Its own module,
 * apart from the commands that open the ledger store, so that it loads neither LevelDB nor libp2p.
 */
import { loadIdentity } from '../../datadir/index.js'
import { FulcrumError } from '../../errors/index.js'
import { addEntrySignature } from '../../ledger/index.js'
import { DATA_DIR_OPTION, ExitCode, dataDirOf } from '../command.js'
import type { Command } from '../command.js'
import { emitJson, readJson } from '../files.js'

export const ledgerSignCommand: Command = {
  usage: 'FILE --data-dir DIR [--out FILE]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, out: { type: 'string' } },
  async run (args, io) {
    const identity = await loadIdentity(dataDirOf(args, io))
    let signed
    try {
      signed = addEntrySignature(await readJson(args.positionals[0] as string), identity)
    } catch (err) {
      if (!(err instanceof FulcrumError) || !err.code.startsWith('LEDGER_')) throw err
      io.err(`fulcrum ledger sign: invalid entry: ${err.code}: ${err.message}`)
      return ExitCode.INVALID
    }
    const wrote = await emitJson(io, args.values.out, signed.entry)
    const n = signed.entry.sigs.length
    io.err(`signed as ${identity.peerId}; ${n - signed.missing} of ${n} signatures` +
      (signed.missing === 0 ? ': ready for `fulcrum ledger append`' : `: ${signed.missing} part${signed.missing === 1 ? 'y' : 'ies'} still to sign`) +
      wrote)
    return ExitCode.OK
  }
}
