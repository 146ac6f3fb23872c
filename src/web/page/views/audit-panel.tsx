/**
 * One provider's audit: the address to reach it at (a WebSocket multiaddr; by default the nodes
 * and the addresses its orders used), a button, and each check's result with its code and, for a
 * fork or a rollback, the evidence the two checkpoints make.
 */
import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import type { AuditCheck, ProviderAudit } from '../../../client/browser.js'
import type { AppContext } from '../context.js'
import { Status, errorText } from '../components/status.js'
import { shortPeer } from '../format.js'

const LABEL: Record<AuditCheck['name'], string> = {
  signature: 'Checkpoint signature',
  consistency: 'Consistent with what this browser saw before',
  inclusion: 'Includes your agreements'
}

/** Props of {@link AuditPanel}. */
export interface AuditPanelProps { ctx: AppContext, provider: string, audit: ProviderAudit | undefined, onAudit: (a: ProviderAudit) => void }

/** See module doc. */
export function AuditPanel (props: AuditPanelProps): JSX.Element {
  const { ctx, provider, audit } = props
  const [address, setAddress] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const id = `audit-${provider.slice(-8)}`
  const run = async (): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      const client = await ctx.session.client(ctx.nodes)
      const given = address.trim()
      props.onAudit(await client.auditProvider(provider, given === '' ? undefined : [given.includes('/p2p/') ? given : `${given}/p2p/${provider}`]))
    } catch (err) { setError(err) } finally { setBusy(false) }
  }
  return (
    <article class='audit' data-provider={provider} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Provider <span class='peer' title={provider}>{shortPeer(provider)}</span></h3>
      <div class='add-node'>
        <div class='field wide'>
          <label for={`${id}-addr`}>Address (optional: else where its orders reached it)</label>
          <input id={`${id}-addr`} type='text' value={address} placeholder='/ip4/127.0.0.1/tcp/PORT/ws' onInput={e => { setAddress((e.target as HTMLInputElement).value) }} />
        </div>
        <button type='button' data-action='audit' onClick={() => { void run() }} aria-disabled={busy} disabled={busy}>Audit</button>
      </div>
      {busy ? <Status kind='busy'>Auditing {shortPeer(provider)}…</Status> : null}
      {error === undefined ? null : <Status kind='error'>{errorText(error)}</Status>}
      {audit === undefined ? null : <AuditResult audit={audit} />}
    </article>
  )
}

function AuditResult (props: { audit: ProviderAudit }): JSX.Element {
  const a = props.audit
  return (
    <div data-audit={a.ok ? 'passed' : 'failed'}>
      <Status kind={a.ok ? 'ok' : 'error'}>
        {a.ok ? 'Every check passed' : 'The audit found a problem'}
        {a.checkpoint === undefined ? '' : `: ledger of size ${a.checkpoint.size}`}{a.previous === undefined ? '' : ` (size ${a.previous.size} seen before)`}.
      </Status>
      <ul class='checks'>
        {a.checks.map(c => (
          <li key={c.name} data-check={c.name} data-status={c.status} data-code={c.code ?? ''}>
            <span class={c.status === 'passed' ? 'verified' : c.status === 'failed' ? 'rejected' : undefined}>{c.status === 'passed' ? '✓' : c.status === 'failed' ? '✗' : '–'} {LABEL[c.name]}</span>
            {c.code === undefined ? '' : <> <code>{c.code}</code></>}: {c.detail}
            {c.evidence === undefined ? null : <details><summary>Evidence</summary><pre>{JSON.stringify(c.evidence, null, 2)}</pre></details>}
          </li>
        ))}
      </ul>
    </div>
  )
}
