/**
 * `fulcrum order terminate ORDER-ID`: the customer terminates one of its committed agreements
 * with a notice period (protocols/order-v1.md §5.3), as a light client with no daemon: it learns
 * what the providers know, signs the termination, sends it to every provider and waits for their
 * signatures; once every party signed, the termination entry is in the customer's ledger (and,
 * by forwarding, in every provider's). A provider terminates through its daemon's API
 * (`POST /v1/orders/ID/terminate`).
 */
import { isFulcrumError } from '../../errors/index.js'
import { DAY_MS, MAX_NOTICE_DAYS, OrderError } from '../../orders/index.js'
import { terminateAsCustomer, terminationView } from '../../order-protocol/index.js'
import { MAX_REASON_LENGTH } from '../../ledger/index.js'
import { DATA_DIR_OPTION, JSON_OPTION, ExitCode, printJson, usageError } from '../command.js'
import type { Command } from '../command.js'
import { asCustomer, terminationLine } from './order-place.js'

/** Machine refusals of a termination the user asked for: exit 1 with the code (anything else goes through the status table). */
const REFUSALS: readonly string[] = [OrderError.ALREADY_TERMINATED, OrderError.NOT_A_PARTY, OrderError.NOTICE_TOO_SHORT]

/** `fulcrum order terminate` */
export const orderTerminateCommand: Command = {
  usage: 'ORDER-ID --data-dir DIR [--notice DAYS] [--reason TEXT] [--json]',
  details: 'Signs a termination of a committed agreement effective after --notice days (default 0; the agreement\'s minimum notice ' +
    'applies if longer) and sends it to every provider. Exit 0 when every party signed (the termination is in this customer\'s ledger); ' +
    '1 when a party refused (its code) or has not signed yet (the next fulcrum order command sends it again, for up to an hour), ' +
    'or the agreement already ends as early (ORDER_ALREADY_TERMINATED); 2 usage, an unknown order (ORDER_UNKNOWN_ORDER) or I/O.',
  positionals: [1, 1],
  options: { ...DATA_DIR_OPTION, ...JSON_OPTION, notice: { type: 'string' }, reason: { type: 'string' } },
  async run (args, io) {
    const id = args.positionals[0] as string
    const notice = args.values.notice === undefined ? 0 : Number(args.values.notice)
    if (!Number.isFinite(notice) || notice < 0 || notice > MAX_NOTICE_DAYS) usageError(`--notice must be 0..${MAX_NOTICE_DAYS} days`)
    const reason = (args.values.reason as string | undefined) ?? ''
    if (reason.length > MAX_REASON_LENGTH) usageError(`--reason is at most ${MAX_REASON_LENGTH} characters`)
    return await asCustomer(args, io, async (c) => {
      let view
      try {
        view = terminationView(await terminateAsCustomer(c, id, { noticeMs: Math.round(notice * DAY_MS), reason }))
      } catch (err) {
        if (!isFulcrumError(err) || !REFUSALS.includes(err.code)) throw err
        io.err(`fulcrum order terminate: ${err.code}: ${err.message}`)
        return ExitCode.INVALID
      }
      if (args.values.json === true) printJson(io, view)
      else io.out(terminationLine(view))
      return view.complete ? ExitCode.OK : ExitCode.INVALID
    })
  }
}
