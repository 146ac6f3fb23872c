/**
 * The order view: compose an order from several verified offers (tick them, set quantities) or
 * from requirements (an order document for the planner), see the plan and its total, place it,
 * and watch each provider's progress (quote, hold, commit). The negotiation is the customer
 * machine of `fulcrum order place`, run in this browser under the customer's key (kept in
 * IndexedDB); every offer and every provider signature is verified here.
 */
import type { JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { OrderOutcome, Pick, ProgressEvent, SearchResult } from '../../../client/browser.js'
import type { Plan, PlanOutcome } from '../../../orders/index.js'
import type { ViewProps } from '../context.js'
import { usePersistent } from '../components/persist.js'
import { Status, errorText } from '../components/status.js'
import { OfferPicker, keyOf } from './order-picker.js'
import { PlanTable } from './order-plan.js'
import { ProgressTable, progressOf } from './order-progress.js'
import type { ProviderProgress } from './order-progress.js'

/** The order document the requirements box starts with: one VM in the EU for a month. */
const EXAMPLE_DOCUMENT = JSON.stringify({ version: 1, items: [{ name: 'vm', type: 'compute.vm', quantity: 1, countries: ['EU'] }], term: { months: 1 } }, null, 2)

/** See module doc. */
export function OrderView ({ ctx }: ViewProps): JSX.Element {
  const [offers, setOffers] = usePersistent<SearchResult | undefined>('order.offers', undefined)
  const [picked, setPicked] = usePersistent<Record<string, number>>('order.picked', {})
  const [months, setMonths] = usePersistent<string>('order.months', '1')
  const [doc, setDoc] = usePersistent<string>('order.document', EXAMPLE_DOCUMENT)
  const [planned, setPlanned] = usePersistent<PlanOutcome | undefined>('order.plan', undefined)
  const [progress, setProgress] = usePersistent<Record<string, ProviderProgress>>('order.progress', {})
  const [outcome, setOutcome] = usePersistent<OrderOutcome | undefined>('order.outcome', undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)

  const act = async (what: string, fn: () => Promise<void>): Promise<void> => {
    setBusy(what)
    setError(undefined)
    try { await fn() } catch (err) { setError(err) } finally { setBusy(undefined) }
  }
  const loadOffers = async (): Promise<void> => { await act('Asking the nodes for offers and verifying them…', async () => { setOffers(await (await ctx.session.client(ctx.nodes)).search({})) }) }
  useEffect(() => { if (offers === undefined && ctx.nodes.length > 0) void loadOffers() }, [])

  const planPicks = async (): Promise<void> => {
    await act('Planning…', async () => {
      const picks: Pick[] = (offers?.offers ?? []).flatMap(o => { const q = picked[keyOf(o.record.body)]; return q === undefined ? [] : [{ offer: o, quantity: q }] })
      setOutcome(undefined)
      setPlanned((await ctx.session.client(ctx.nodes)).planPicks(picks, Number(months)))
    })
  }
  const planDocument = async (): Promise<void> => {
    await act('Fetching candidates and planning…', async () => {
      let parsed: unknown
      try { parsed = JSON.parse(doc) } catch { throw Object.assign(new Error('the order document is not JSON'), { code: 'ORDER_DOC_INVALID_JSON' }) }
      setOutcome(undefined)
      setPlanned((await (await ctx.session.client(ctx.nodes)).planDocument(parsed)).outcome)
    })
  }
  const place = async (plan: Plan): Promise<void> => {
    const live: Record<string, ProviderProgress> = {}
    for (const item of plan.items) live[item.record.body.provider] = {}
    setProgress({ ...live })
    setOutcome(undefined)
    await act('Placing the order: every provider must hold, then all commit…', async () => {
      const onProgress = (e: ProgressEvent): void => { live[e.provider] = progressOf(live[e.provider] ?? {}, e); setProgress({ ...live }) }
      setOutcome(await (await ctx.session.client(ctx.nodes)).placeOrder(plan, { quote: {}, onProgress }))
    })
  }

  const count = Object.keys(picked).length
  return (
    <section aria-labelledby='order-title'>
      <h1 id='order-title'>Compose an order</h1>
      <h2>From offers</h2>
      <OfferPicker result={offers} picked={picked} onChange={setPicked} onReload={() => { void loadOffers() }} busy={busy !== undefined} />
      <div class='add-node'>
        <div class='field'>
          <label for='order-months'>Term (months)</label>
          <input id='order-months' type='text' inputMode='numeric' value={months} onInput={e => { setMonths((e.target as HTMLInputElement).value) }} />
        </div>
        <button type='button' onClick={() => { void planPicks() }} aria-disabled={busy !== undefined || count === 0} disabled={count === 0}>Plan {count} offer{count === 1 ? '' : 's'}</button>
      </div>
      <details>
        <summary>From requirements (the planner)</summary>
        <label for='order-document'>Order document (JSON, as for <code>fulcrum order plan</code>)</label>
        <textarea id='order-document' rows={8} value={doc} onInput={e => { setDoc((e.target as HTMLTextAreaElement).value) }} />
        <button type='button' onClick={() => { void planDocument() }} aria-disabled={busy !== undefined}>Plan requirements</button>
      </details>
      <div id='order-status'>
        {error === undefined ? null : <Status kind='error'>{errorText(error)}</Status>}
        {busy === undefined ? null : <Status kind='busy'>{busy}</Status>}
      </div>
      {planned === undefined ? null : <PlanTable outcome={planned} />}
      {planned?.ok === true && outcome === undefined
        ? <button type='button' data-action='place' onClick={() => { void place(planned.plan) }} aria-disabled={busy !== undefined} disabled={busy !== undefined}>Place order ({planned.costs.perMonth} {planned.costs.currency}/month)</button>
        : null}
      {Object.keys(progress).length === 0 ? null : <ProgressTable progress={progress} outcome={outcome} />}
    </section>
  )
}
