/** A plan as the planner made it: each item with its provider, offer, quantity and cost per month, and the total; or why there is none. */
import type { JSX } from 'preact'
import type { PlanOutcome, PlannedItem } from '../../../orders/index.js'
import { DataTable } from '../components/table.js'
import type { Column } from '../components/table.js'
import { Status } from '../components/status.js'
import { locationText, shortPeer } from '../format.js'

/** See module doc. */
export function PlanTable (props: { outcome: PlanOutcome }): JSX.Element {
  const o = props.outcome
  if (!o.ok) return <div data-plan='failed'>{o.reasons.map(r => <Status kind='error' key={r.code + r.message}>{`${r.code}: ${r.message}`}</Status>)}</div>
  const perMonth = new Map(o.costs.items.map(c => [c.name, c.perMonth]))
  const columns: Array<Column<PlannedItem>> = [
    { label: 'Item', cell: i => i.name },
    { label: 'Provider', cell: i => <span class='peer' title={i.record.body.provider}>{shortPeer(i.record.body.provider)}</span> },
    { label: 'Offer', cell: i => i.record.body.id },
    { label: 'Location', cell: i => locationText(i.record.body) },
    { label: 'Quantity', numeric: true, cell: i => String(i.quantity) },
    { label: 'Unit price', numeric: true, cell: i => `${i.record.body.price.amount} ${i.record.body.price.currency}/${i.record.body.price.unit}` },
    { label: 'Per month', numeric: true, cell: i => `${perMonth.get(i.name) ?? ''} ${o.costs.currency}` }
  ]
  return (
    <div data-plan='ok'>
      <DataTable name='plan' caption='The plan' columns={columns} rows={o.plan.items} rowKey={i => i.name} />
      <p class='total' data-total={`${o.costs.perMonth} ${o.costs.currency}`}>
        Total <strong>{o.costs.perMonth} {o.costs.currency}</strong> per month; <strong>{o.costs.term} {o.costs.currency}</strong> for {o.plan.term.months} month{o.plan.term.months === 1 ? '' : 's'}
        {o.search.exhaustive ? '' : ' (search limit reached: the cheapest found, not proven cheapest)'}.
      </p>
    </div>
  )
}
