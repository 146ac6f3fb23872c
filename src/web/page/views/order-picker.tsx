/**
 * The offers an order can be composed from: every verified offer of the nodes, each with a check
 * box and a quantity (1 to its capacity). Only offers verified in this browser are listed.
 */
import type { JSX } from 'preact'
import type { SearchResult } from '../../../client/browser.js'
import type { Offer } from '../../../offers/index.js'
import { DataTable } from '../components/table.js'
import type { Column } from '../components/table.js'
import { locationText, shortPeer, timePrices } from '../format.js'

/** The key of an offer in the picker: provider and id. */
export function keyOf (o: { provider: string, id: string }): string {
  return `${o.provider}/${o.id}`
}

/** Props of {@link OfferPicker}: the search result, the picked offers (key -> quantity). */
export interface PickerProps {
  result: SearchResult | undefined
  picked: Record<string, number>
  onChange: (picked: Record<string, number>) => void
  onReload: () => void
  busy: boolean
}

/** See module doc. */
export function OfferPicker (props: PickerProps): JSX.Element {
  const { picked, onChange } = props
  const toggle = (o: Offer, on: boolean): void => {
    const next = { ...picked }
    if (on) next[keyOf(o)] = 1
    else delete next[keyOf(o)]
    onChange(next)
  }
  const setQuantity = (o: Offer, text: string): void => {
    const q = Math.trunc(Number(text))
    if (Number.isSafeInteger(q) && q >= 1) onChange({ ...picked, [keyOf(o)]: Math.min(q, o.capacity) })
  }
  const columns: Array<Column<Offer>> = [
    {
      label: 'Pick',
      cell: o => <input type='checkbox' data-offer={keyOf(o)} checked={picked[keyOf(o)] !== undefined} aria-label={`pick ${o.id} of ${shortPeer(o.provider)}`}
        onChange={e => { toggle(o, (e.target as HTMLInputElement).checked) }} />
    },
    { label: 'Provider', cell: o => <span class='peer' title={o.provider}>{shortPeer(o.provider)}</span> },
    { label: 'Offer', cell: o => o.id },
    { label: 'Location', cell: o => locationText(o) },
    { label: 'Price per month', numeric: true, cell: o => timePrices(o)?.perMonth ?? `${o.price.amount} ${o.price.currency}/${o.price.unit}` },
    { label: 'Capacity', numeric: true, cell: o => String(o.capacity) },
    {
      label: 'Quantity',
      cell: o => picked[keyOf(o)] === undefined
        ? '—'
        : <input type='text' inputMode='numeric' size={4} value={String(picked[keyOf(o)])} aria-label={`quantity of ${o.id}`} onInput={e => { setQuantity(o, (e.target as HTMLInputElement).value) }} />
    }
  ]
  const offers = (props.result?.offers ?? []).flatMap(v => v.record.kind === 'offer' ? [v.record.body] : [])
  return (
    <>
      <DataTable name='pick' caption={`${offers.length} verified offer${offers.length === 1 ? '' : 's'} to choose from`} columns={columns} rows={offers} rowKey={keyOf}
        empty={props.result === undefined ? 'No offers loaded yet.' : 'No offer.'} />
      <button type='button' class='secondary' onClick={props.onReload} aria-disabled={props.busy}>Reload offers</button>
    </>
  )
}
