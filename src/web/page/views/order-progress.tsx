/**
 * Each provider's progress through the negotiation, from the customer machine's progress events:
 * quote (firm quote asked, answered), hold (asked, held with a signature verified here), commit
 * (sent, acknowledged); a refusal or silence marks the step it happened in, with its code.
 */
import type { JSX } from 'preact'
import type { OrderOutcome, ProgressEvent } from '../../../client/browser.js'
import { DataTable } from '../components/table.js'
import type { Column } from '../components/table.js'
import { Status } from '../components/status.js'
import { shortPeer } from '../format.js'

/** The phases shown as columns. */
const PHASES = ['quote', 'hold', 'commit'] as const
type Phase = typeof PHASES[number]
/** One phase's state: asked and waiting, done, or failed (with the code). */
type PhaseState = { state: 'asked' | 'done' | 'failed', code?: string }
/** A provider's progress: each phase's state, and how it ended if released. */
export type ProviderProgress = Partial<Record<Phase, PhaseState>> & { released?: boolean }

/** Which phase an event starts or ends. */
const STEP: Partial<Record<ProgressEvent['step'], [Phase, PhaseState['state']]>> = {
  quote: ['quote', 'asked'], quoted: ['quote', 'done'], counter: ['quote', 'failed'],
  hold: ['hold', 'asked'], pending: ['hold', 'asked'], held: ['hold', 'done'],
  commit: ['commit', 'asked'], committed: ['commit', 'done']
}

/** The progress after event `e`. A refusal or silence fails the latest phase that was asked. */
export function progressOf (p: ProviderProgress, e: ProgressEvent): ProviderProgress {
  const known = STEP[e.step]
  if (known !== undefined) return { ...p, [known[0]]: { state: known[1], ...(e.code === undefined ? {} : { code: e.code }) } }
  if (e.step === 'released' || e.step === 'abort') return { ...p, released: true }
  const phase = [...PHASES].reverse().find(ph => p[ph] !== undefined) ?? 'hold'
  return { ...p, [phase]: { state: 'failed', code: e.code ?? e.step } }
}

const MARK: Record<PhaseState['state'], string> = { asked: '… asked', done: '✓ done', failed: '✗ failed' }

function cell (s: PhaseState | undefined): JSX.Element | string {
  if (s === undefined) return '—'
  return <span class={s.state === 'done' ? 'verified' : s.state === 'failed' ? 'rejected' : undefined} data-state={s.state}>{MARK[s.state]}{s.code === undefined ? '' : ` ${s.code}`}</span>
}

/** See module doc; with the outcome once the order is decided. */
export function ProgressTable (props: { progress: Record<string, ProviderProgress>, outcome: OrderOutcome | undefined }): JSX.Element {
  const rows = Object.entries(props.progress)
  const columns: Array<Column<[string, ProviderProgress]>> = [
    { label: 'Provider', cell: ([id]) => <span class='peer' title={id}>{shortPeer(id)}</span> },
    { label: 'Quote', cell: ([, p]) => cell(p.quote) },
    { label: 'Hold', cell: ([, p]) => cell(p.hold) },
    { label: 'Commit', cell: ([, p]) => cell(p.commit) },
    { label: 'Outcome', cell: ([id, p]) => props.outcome?.providers[id]?.state ?? (p.released === true ? 'released' : '…') }
  ]
  const o = props.outcome
  return (
    <>
      <DataTable name='progress' caption='Progress of each provider' columns={columns} rows={rows} rowKey={([id]) => id} />
      {o === undefined
        ? null
        : <Status kind={o.status === 'aborted' ? 'error' : 'ok'}>
          <span data-outcome={o.status} data-order={o.orderId}>Order {o.orderId}: {o.status}</span>
          {o.status === 'committed' ? ' by every provider; the agreement is in your ledger (see Agreements).' : o.status === 'aborted' ? ': nothing was agreed, every hold released.' : ''}
        </Status>}
    </>
  )
}
