/**
 * The results: one row per verified offer (provider, offer, location, price per hour and per
 * month, certifications, the verified mark), and one row per node asked with what it sent and how
 * many of its records failed verification here (a forged offer counts there, never in the table).
 */
import type { JSX } from 'preact'
import type { SearchResult, SourceReport } from '../../../client/index.js'
import type { Offer } from '../../../offers/index.js'
import { DataTable } from '../components/table.js'
import type { Column } from '../components/table.js'
import { locationText, peerOfAddr, shortPeer, timePrices } from '../format.js'

const priceCell = (o: Offer, which: 'perHour' | 'perMonth'): string =>
  timePrices(o)?.[which] ?? (which === 'perHour' ? `${o.price.amount} ${o.price.currency}/${o.price.unit}` : '—')

const OFFER_COLUMNS: Array<Column<Offer>> = [
  { label: 'Provider', cell: o => <span class='peer' title={o.provider}>{shortPeer(o.provider)}</span> },
  { label: 'Offer', cell: o => <span title={`seq ${o.seq}`}>{o.id}</span> },
  { label: 'Type', cell: o => o.service.type },
  { label: 'Location', cell: o => locationText(o) },
  { label: 'Price per hour', numeric: true, cell: o => <span title={`listed: ${o.price.amount} ${o.price.currency} per ${o.price.unit}`}>{priceCell(o, 'perHour')}</span> },
  { label: 'Price per month', numeric: true, cell: o => priceCell(o, 'perMonth') },
  { label: 'Certifications', cell: o => o.certifications.length === 0 ? '—' : o.certifications.join(', ') },
  {
    label: 'Verified',
    cell: o => <span class='verified' title={`signature of ${o.provider} checked in this browser; expires ${new Date(o.expiresAt).toISOString()}`}>
      <span aria-hidden='true'>✓ </span>verified</span>
  }
]

const SOURCE_COLUMNS: Array<Column<SourceReport>> = [
  { label: 'Node', cell: s => <span class='peer' title={s.peer}>{shortPeer(peerOfAddr(s.peer))}</span> },
  { label: 'Offers', numeric: true, cell: s => String(s.offers) },
  { label: 'Rejected', numeric: true, cell: s => <span class={s.rejected > 0 ? 'rejected' : undefined}>{String(s.rejected)}</span> },
  { label: 'Status', cell: s => s.error !== undefined ? <span class='rejected'>no answer: {s.error}</span> : s.rejected > 0 ? <span class='rejected'>sent records that failed verification</span> : 'answered' }
]

/** The offers and the per-node report of a search. */
export function OffersTable (props: { result: SearchResult }): JSX.Element {
  const offers = props.result.offers.flatMap(v => v.record.kind === 'offer' ? [v.record.body] : [])
  return (
    <>
      <DataTable name='offers' caption={`${offers.length} verified offer${offers.length === 1 ? '' : 's'}, cheapest first`}
        columns={OFFER_COLUMNS} rows={offers} rowKey={o => `${o.provider}/${o.id}`} empty='No offer matches.' />
      <DataTable name='sources' caption='Nodes asked' columns={SOURCE_COLUMNS} rows={props.result.sources} rowKey={s => s.peer} />
      {props.result.conflicts.length === 0
        ? null
        : <p class='rejected'>{props.result.conflicts.length} offer(s) left out: nodes served two different records with the same seq (provider equivocation).</p>}
    </>
  )
}
