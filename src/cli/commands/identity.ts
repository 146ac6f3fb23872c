/** `fulcrum init` and `fulcrum id`: create and show a data directory's identity. */
import { initDataDir, loadIdentity } from '../../datadir/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson } from '../command.js'
import type { Command } from '../command.js'

export const initCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    const id = await initDataDir(dir)
    if (args.values.json === true) printJson(io, { peerId: id.peerId, dataDir: dir })
    else io.out(`initialised ${dir}\npeer id: ${id.peerId}`)
    return ExitCode.OK
  }
}

export const idCommand: Command = {
  usage: '--data-dir DIR [--json]',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const id = await loadIdentity(dataDirOf(args, io))
    // Unpadded base64, as before (uint8arrays' toString, which loads every multiformats base).
    const publicKey = Buffer.from(id.publicKey).toString('base64').replace(/=+$/, '')
    if (args.values.json === true) printJson(io, { peerId: id.peerId, publicKey, keyType: 'ed25519' })
    else io.out(`peer id:    ${id.peerId}\npublic key: ${publicKey} (ed25519, base64)`)
    return ExitCode.OK
  }
}
