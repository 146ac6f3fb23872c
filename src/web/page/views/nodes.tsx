/**
 * The nodes view: the multiaddrs the page asks (WebSocket addresses ending in /ws/p2p/ID, as
 * `fulcrum status` prints them), with what each did in the latest search; add and remove nodes.
 */
import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { parseMultiaddrs } from '../../../network/bootstrap.js'
import type { ViewProps } from '../context.js'
import { Status, errorText } from '../components/status.js'
import { DataTable } from '../components/table.js'
import { peerOfAddr, shortPeer } from '../format.js'

/** See module doc. */
export function NodesView ({ ctx }: ViewProps): JSX.Element {
  const [addr, setAddr] = useState('')
  const [error, setError] = useState<unknown>(undefined)
  const add = (): void => {
    try {
      const a = addr.trim()
      parseMultiaddrs([a])
      if (!a.includes('/p2p/')) throw Object.assign(new Error('the address must end in /p2p/PEER_ID'), { code: 'NET_BAD_ADDRESS' })
      if (!ctx.nodes.includes(a)) ctx.setNodes([...ctx.nodes, a])
      setAddr('')
      setError(undefined)
    } catch (err) {
      setError(err)
    }
  }
  const rows = ctx.nodes.map(n => ({ addr: n, report: ctx.reports.find(r => r.peer === n) }))
  return (
    <section aria-labelledby='nodes-title'>
      <h1 id='nodes-title'>Nodes</h1>
      <form class='add-node' aria-label='Add a node' onSubmit={(e) => { e.preventDefault(); add() }}>
        <div class='field wide'>
          <label for='node-addr'>Node multiaddr</label>
          <input id='node-addr' type='text' autoComplete='off' spellcheck={false} value={addr} placeholder='/ip4/127.0.0.1/tcp/PORT/ws/p2p/12D3Koo…'
            aria-invalid={error === undefined ? undefined : 'true'} aria-describedby={error === undefined ? undefined : 'node-error'}
            onInput={(e) => { setAddr((e.target as HTMLInputElement).value) }} />
        </div>
        <button type='submit'>Add node</button>
      </form>
      <div id='node-error'>{error === undefined ? null : <Status kind='error'>{errorText(error)}</Status>}</div>
      <DataTable name='nodes' caption='Nodes this page asks' rows={rows} rowKey={r => r.addr} empty='No node: add one above.'
        columns={[
          { label: 'Node', cell: r => <span class='peer' title={r.addr}>{shortPeer(peerOfAddr(r.addr))}</span> },
          { label: 'Address', cell: r => <code class='addr'>{r.addr}</code> },
          { label: 'Last search', cell: r => r.report === undefined ? 'not asked yet' : r.report.error !== undefined ? `no answer: ${r.report.error}` : `${r.report.offers} offers, ${r.report.rejected} rejected` },
          { label: 'Remove', cell: r => <button type='button' aria-label={`Remove node ${shortPeer(peerOfAddr(r.addr))}`} onClick={() => { ctx.setNodes(ctx.nodes.filter(n => n !== r.addr)) }}>Remove</button> }
        ]} />
    </section>
  )
}
