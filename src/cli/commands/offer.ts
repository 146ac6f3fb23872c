/** `fulcrum offer sign` and `fulcrum offer verify`: offline signing and checking of offers. */
import { loadIdentity } from '../../datadir/index.js'
import { FulcrumError } from '../../errors/index.js'
import {
  completeOffer, decodeRecord, recordFromJson, recordToJson, signOffer, verifyRecord, MAX_OFFER_LIFETIME_MS
} from '../../offers/index.js'
import type { OfferRecord } from '../../offers/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, dataDirOf, printJson, usageError } from '../command.js'
import type { CliIO, Command } from '../command.js'
import { InputError, emitJson, readInput } from '../files.js'
import { formatTime } from '../table.js'

const DAY_MS = 86_400_000

export const offerSignCommand: Command = {
  usage: 'FILE --data-dir DIR [--lifetime-days N] [--out FILE]',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, 'lifetime-days': { type: 'string' }, out: { type: 'string' } },
  async run (args, io) {
    const identity = await loadIdentity(dataDirOf(args, io))
    const draft = parseJson((await readInput(args.positionals[0] as string)).toString('utf8'))
    const days = args.values['lifetime-days']
    let lifetimeMs: number | undefined
    if (typeof days === 'string') {
      lifetimeMs = Number(days) * DAY_MS
      if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0 || lifetimeMs > MAX_OFFER_LIFETIME_MS) usageError(`--lifetime-days must be a number of days from 1 to 30, got '${days}'`)
    }
    // An invalid draft throws OFFER_*: the CLI exits 1 with the code and the field path.
    const offer = completeOffer(draft, { provider: identity.peerId, now: Date.now(), ...(lifetimeMs === undefined ? {} : { lifetimeMs }) })
    const record = signOffer(offer, identity)
    const wrote = await emitJson(io, args.values.out, recordToJson(record))
    io.err(`signed ${offer.id} seq ${offer.seq}, expires ${formatTime(offer.expiresAt)}${wrote}`)
    return ExitCode.OK
  }
}

export const offerVerifyCommand: Command = {
  usage: 'FILE [--at ISO-TIME] [--json]',
  positionals: [1, 1],
  options: { ...JSON_OPTION, at: { type: 'string' } },
  async run (args, io) {
    const at = args.values.at
    const now = typeof at === 'string' ? Date.parse(at) : Date.now()
    if (Number.isNaN(now)) usageError(`--at must be an ISO 8601 time such as 2026-12-02T10:00:00Z, got '${String(at)}'`)
    const bytes = await readInput(args.positionals[0] as string)
    try {
      const record = parseRecord(bytes)
      verifyRecord(record, now)
      report(io, args.values.json === true, { valid: true, ...summary(record) })
      return ExitCode.OK
    } catch (err) {
      // A file that is not JSON is an input error (INPUT_BAD_JSON, exit 2) as for every command, not an invalid offer.
      if (!(err instanceof FulcrumError) || err.code === InputError.BAD_JSON) throw err
      report(io, args.values.json === true, { valid: false, error: err.toJSON() })
      return ExitCode.INVALID
    }
  }
}

/** A JSON file holds the JSON form; anything else is taken as the canonical CBOR record. */
function parseRecord (bytes: Buffer): OfferRecord {
  const first = bytes.toString('utf8').trimStart()[0]
  if (first === '{') return recordFromJson(parseJson(bytes.toString('utf8')))
  return decodeRecord(new Uint8Array(bytes))
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new FulcrumError(InputError.BAD_JSON, `not valid JSON: ${(err as Error).message}`)
  }
}

function summary (record: OfferRecord): Record<string, unknown> {
  const b = record.body
  const base = { kind: record.kind, provider: b.provider, id: b.id, seq: b.seq, issuedAt: formatTime(b.issuedAt) }
  return record.kind === 'offer'
    ? { ...base, expiresAt: formatTime(record.body.expiresAt), type: record.body.service.type, country: record.body.location.country, price: record.body.price }
    : base
}

function report (io: CliIO, json: boolean, result: Record<string, unknown>): void {
  if (json) { printJson(io, result); return }
  if (result.valid === true) {
    const price = result.price as { amount: string, currency: string, unit: string } | undefined
    io.out(`valid ${String(result.kind)} ${String(result.id)} seq ${String(result.seq)} by ${String(result.provider)}` +
      (price === undefined ? '' : `\n  ${String(result.type)} in ${String(result.country)}, ${price.amount} ${price.currency}/${price.unit}, expires ${String(result.expiresAt)}`))
  } else {
    const e = result.error as { code: string, message: string }
    io.out(`INVALID ${e.code}: ${e.message}`)
  }
}
