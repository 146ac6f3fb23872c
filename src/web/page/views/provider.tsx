/**
 * The provider view (only with `fulcrum web --data-dir`): what the provider's own daemon reports
 * through the console proxy: the node, its peers, its own offers, the holds and orders customers
 * placed with it, and its ledger (latest checkpoint, agreements). Read-only: the proxy forwards
 * nothing that changes the node.
 */
import type { JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { ViewProps } from '../context.js'
import { consoleGet } from '../console.js'
import type { AgreementPage, Checkpoint, OrderPage, Peer, RecordJson, Status } from '../console.js'
import { Status as StatusLine, errorText } from '../components/status.js'
import { DataTable } from '../components/table.js'
import { shortPeer } from '../format.js'

interface Console { status: Status, peers: Peer[], offers: RecordJson[], orders: OrderPage['orders'], checkpoint: Checkpoint, agreements: AgreementPage['agreements'] }

/** Rows read at most per list: the console shows a first page, as the CLI's list commands do. */
const PAGE = 100

async function load (key: string | undefined): Promise<Console> {
  const [status, peers, offers, orders, checkpoint, agreements] = await Promise.all([
    consoleGet<Status>('/v1/status', key),
    consoleGet<{ peers: Peer[] }>('/v1/peers', key),
    consoleGet<{ offers: RecordJson[] }>('/v1/offers', key),
    consoleGet<OrderPage>(`/v1/orders?limit=${PAGE}`, key),
    consoleGet<Checkpoint>('/v1/ledger/checkpoint', key),
    consoleGet<AgreementPage>(`/v1/ledger/agreements?limit=${PAGE}`, key)
  ])
  return { status, peers: peers.peers, offers: offers.offers, orders: orders.orders, checkpoint, agreements: agreements.agreements }
}

const time = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const body = (r: RecordJson): Record<string, unknown> => r.body
const text = (v: unknown): string => typeof v === 'string' || typeof v === 'number' ? String(v) : ''

/** See module doc. */
export function ProviderView ({ ctx }: ViewProps): JSX.Element {
  const [data, setData] = useState<Console | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [busy, setBusy] = useState(false)
  const refresh = async (): Promise<void> => {
    setBusy(true)
    try {
      setData(await load(ctx.consoleKey))
      setError(undefined)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => { void refresh() }, [])
  const s = data?.status
  return (
    <section aria-labelledby='provider-title'>
      <h1 id='provider-title'>Provider</h1>
      <button type='button' onClick={() => { void refresh() }} aria-disabled={busy ? 'true' : undefined}>{busy ? 'Reading…' : 'Refresh'}</button>
      {error === undefined ? null : <StatusLine kind='error'>{errorText(error)}</StatusLine>}
      {busy && data === undefined ? <StatusLine kind='busy'>Reading the node…</StatusLine> : null}
      {s === undefined || data === undefined
        ? null
        : (
          <>
            <h2>Node</h2>
            <dl class='facts'>
              <dt>Peer id</dt><dd><code class='addr'>{s.peerId}</code></dd>
              <dt>Up since</dt><dd>{time(s.startedAt)}</dd>
              <dt>Peers</dt><dd>{s.peers.connected}</dd>
              <dt>Offers</dt><dd>{s.offers.own} own, {s.offers.known} known</dd>
              <dt>Orders</dt><dd>{Object.entries(s.orders).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}</dd>
              <dt>Ledger</dt><dd>{s.ledger.size} entries</dd>
            </dl>
            <DataTable name='peers' caption='Connected peers' rows={data.peers} rowKey={p => p.peerId} empty='No peer connected.'
              columns={[
                { label: 'Peer', cell: p => <span class='peer' title={p.peerId}>{shortPeer(p.peerId)}</span> },
                { label: 'Addresses', cell: p => <code class='addr'>{p.addresses.join(' ')}</code> }
              ]} />
            <DataTable name='own-offers' caption='Own offers' rows={data.offers} rowKey={r => text(body(r).id)} empty='No live offer.'
              columns={[
                { label: 'Offer', cell: r => text(body(r).id) },
                { label: 'Seq', numeric: true, cell: r => text(body(r).seq) },
                { label: 'Price', cell: r => { const p = body(r).price as Record<string, unknown> | undefined; return `${text(p?.amount)} ${text(p?.currency)}/${text(p?.unit)}` } },
                { label: 'Capacity', numeric: true, cell: r => text(body(r).capacity) },
                { label: 'Expires', cell: r => typeof body(r).expiresAt === 'number' ? time(body(r).expiresAt as number) : '' }
              ]} />
            <DataTable name='orders' caption='Holds and orders' rows={data.orders} rowKey={o => o.id} empty='No order yet.'
              columns={[
                { label: 'Order', cell: o => <code class='addr'>{o.id}</code> },
                { label: 'Customer', cell: o => <span class='peer' title={o.customer}>{shortPeer(o.customer)}</span> },
                { label: 'Status', cell: o => o.status },
                { label: 'Reserved', cell: o => o.reservations.map(r => `${r.quantity} × ${r.offer}`).join(', ') },
                { label: 'Updated', cell: o => time(o.updatedAt) }
              ]} />
            <h2>Ledger</h2>
            <dl class='facts'>
              <dt>Origin</dt><dd><code class='addr'>{data.checkpoint.origin}</code></dd>
              <dt>Size</dt><dd>{data.checkpoint.size}</dd>
              <dt>Root</dt><dd><code class='addr'>{data.checkpoint.root}</code></dd>
            </dl>
            <details>
              <summary>Signed checkpoint</summary>
              <pre class='note-text'>{data.checkpoint.checkpoint}</pre>
            </details>
            <DataTable name='agreements' caption='Agreements in the ledger' rows={data.agreements} rowKey={a => a.id} empty='No agreement yet.'
              columns={[
                { label: 'Agreement', cell: a => <code class='addr'>{a.id}</code> },
                { label: 'State', cell: a => a.state },
                { label: 'Parties', cell: a => a.parties.map(shortPeer).join(', ') },
                { label: 'Items', cell: a => a.items.map(i => `${i.quantity ?? ''} × ${i.offer?.id ?? i.name ?? ''}`).join(', ') },
                { label: 'Created', cell: a => time(a.createdAt) }
              ]} />
          </>
          )}
    </section>
  )
}
