/**
 * The agreements view: the customer's agreements, each with its inclusion proof in the customer's
 * own signed ledger (verified here), and an audit of each provider of them: its ledger's
 * checkpoint signature, consistency with the checkpoint this browser accepted before (kept in
 * IndexedDB: a provider whose ledger goes backwards is caught), and the inclusion of the
 * customer's agreements, each check with its result.
 */
import type { JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { MyAgreements, ProvenAgreement, ProviderAudit } from '../../../client/browser.js'
import type { ViewProps } from '../context.js'
import { usePersistent } from '../components/persist.js'
import { DataTable } from '../components/table.js'
import type { Column } from '../components/table.js'
import { Status, errorText } from '../components/status.js'
import { shortPeer } from '../format.js'
import { AuditPanel } from './audit-panel.js'

const COLUMNS: Array<Column<ProvenAgreement>> = [
  { label: 'Agreement', cell: a => <code class='addr'>{a.agreement.id}</code> },
  { label: 'Created', cell: a => new Date(a.agreement.createdAt).toISOString().replace('.000Z', 'Z') },
  { label: 'Providers', cell: a => a.agreement.items.map(i => i.provider).filter((p): p is string => p !== undefined).map(p => <span class='peer' title={p} key={p}>{shortPeer(p)} </span>) },
  { label: 'State', cell: a => a.agreement.state },
  { label: 'Entry', numeric: true, cell: a => `#${a.agreement.index}` },
  {
    label: 'Proof',
    cell: a => <details><summary class={a.verified ? 'verified' : 'rejected'}>{a.verified ? '✓ included' : '✗ does not verify'}</summary>
      <p>leaf <code class='addr'>{a.leafHash}</code></p>
      <ol>{a.proof.map(h => <li key={h}><code class='addr'>{h}</code></li>)}</ol>
    </details>
  }
]

/** See module doc. */
export function AgreementsView ({ ctx }: ViewProps): JSX.Element {
  const [mine, setMine] = useState<MyAgreements | undefined>(undefined)
  const [audits, setAudits] = usePersistent<Record<string, ProviderAudit>>('agreements.audits', {})
  const [error, setError] = useState<unknown>(undefined)
  const [customer, setCustomer] = useState<string | undefined>(undefined)

  const load = async (): Promise<void> => {
    try {
      const client = await ctx.session.client(ctx.nodes)
      setCustomer(client.customer)
      setMine(await client.agreements())
    } catch (err) { setError(err) }
  }
  useEffect(() => { void load() }, [])

  const providers = [...new Set((mine?.agreements ?? []).flatMap(a => a.agreement.parties))].filter(p => p !== customer)
  return (
    <section aria-labelledby='agreements-title'>
      <h1 id='agreements-title'>Your agreements</h1>
      {error === undefined ? null : <Status kind='error'>{errorText(error)}</Status>}
      {customer === undefined ? null : <p>Customer key (kept in this browser): <code class='addr' data-customer={customer}>{customer}</code></p>}
      {mine === undefined
        ? <Status kind='busy'>Reading your ledger…</Status>
        : <>
          <p data-ledger-size={mine.checkpoint.size}>Your ledger: {mine.checkpoint.size} entr{mine.checkpoint.size === 1 ? 'y' : 'ies'}, root <code class='addr'>{mine.checkpoint.root}</code> (signed checkpoint).</p>
          <DataTable name='agreements' caption={`${mine.agreements.length} agreement${mine.agreements.length === 1 ? '' : 's'}`} columns={COLUMNS} rows={mine.agreements}
            rowKey={a => a.agreement.id} empty='No agreement yet: place an order.' />
        </>}
      <h2>Audit a provider</h2>
      <p>Checks the provider's ledger as its node serves it: the checkpoint's signature, that it extends the one this browser saw before, and that it includes your agreements.</p>
      {providers.length === 0 ? <p>No provider to audit yet.</p> : null}
      {providers.map(p => <AuditPanel key={p} ctx={ctx} provider={p} audit={audits[p]} onAudit={a => { setAudits({ ...audits, [p]: a }) }} />)}
    </section>
  )
}
