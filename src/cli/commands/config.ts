/** `fulcrum config check`: validates a data dir's config against the schema (`datadir/config.ts`). */
import { dataDirPaths, defaultConfig, readConfigFile } from '../../datadir/index.js'
import { configProblems } from '../../datadir/config.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson } from '../command.js'
import type { Command } from '../command.js'

export const configCheckCommand: Command = {
  usage: '--data-dir DIR [--json]',
  details: 'Checks config.json merged over the defaults (config/default.json), as `fulcrum start` does:\n' +
    'every key of the wrong type or out of range, and every unknown key (a typo is never ignored), is named with what it expects.',
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION },
  async run (args, io) {
    const dir = dataDirOf(args, io)
    const path = dataDirPaths(dir).config
    const file = await readConfigFile(dir)
    const merged = typeof file === 'object' && file !== null && !Array.isArray(file) ? { ...await defaultConfig(), ...file } : file
    const problems = configProblems(merged)
    if (args.values.json === true) printJson(io, { file: path, valid: problems.length === 0, problems })
    else if (problems.length === 0) io.out(`${path}: valid`)
    else io.err(problems.map(p => `${path}: CONFIG_INVALID: ${p.key}: ${p.message}`).join('\n'))
    return problems.length === 0 ? ExitCode.OK : ExitCode.INVALID
  }
}
