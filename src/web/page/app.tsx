/**
 * The page's shell: a skip link, a header with the view navigation (links to `#/view`, the current
 * one marked aria-current), the current view in <main>, and a footer saying what is verified
 * where. Views plug in through views/index.ts. The skip link focuses <main> without touching the
 * hash (which is the route).
 */
import { useEffect, useMemo, useState } from 'preact/hooks'
import type { SourceReport } from '../../client/index.js'
import type { Boot } from './boot.js'
import type { AppContext, View } from './context.js'
import { BrowserSession } from './session.js'
import { VIEWS } from './views/index.js'

/** The view id in the location's hash (`#/search`), or the first view's. */
function routeOf (hash: string, views: View[]): string {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  return views.some(v => v.id === id) ? id : (views[0]?.id ?? '')
}

/** The whole page (see module doc). */
export function App (props: { boot: Boot, consoleKey?: string | undefined }): preact.JSX.Element {
  const views = useMemo(() => VIEWS.filter(v => v.available?.(props.boot) ?? true), [props.boot])
  const [route, setRoute] = useState(routeOf(location.hash, views))
  const [nodes, setNodes] = useState<string[]>(props.boot.peers)
  const [reports, setReports] = useState<SourceReport[]>([])
  const session = useMemo(() => new BrowserSession(props.boot.allowedDialRanges), [props.boot])
  useEffect(() => {
    const onHash = (): void => { setRoute(routeOf(location.hash, views)) }
    addEventListener('hashchange', onHash)
    return () => { removeEventListener('hashchange', onHash) }
  }, [])
  const ctx: AppContext = { boot: props.boot, session, nodes, setNodes, reports, setReports, consoleKey: props.consoleKey }
  const view = views.find(v => v.id === route) ?? views[0]
  return (
    <>
      <a class='skip' href='#main' onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>Skip to content</a>
      <header class='top'>
        <p class='brand'>Fulcrum</p>
        <nav aria-label='Views'>
          <ul>
            {views.map(v => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={v.id === view?.id ? 'page' : undefined}>{v.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <p class='nodes-count'>{nodes.length} node{nodes.length === 1 ? '' : 's'}</p>
      </header>
      <main id='main' tabIndex={-1}>
        {view === undefined ? null : <view.component ctx={ctx} />}
      </main>
      <footer>
        Every offer shown was verified in this browser (ed25519 signature, expiry, filter) with @noble/ed25519.
        No node, and not the server of this page, is trusted.
      </footer>
    </>
  )
}
