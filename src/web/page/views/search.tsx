/**
 * The search view: the filter form and the verified results. With nodes preselected it searches
 * once on load (no filter: every live offer), so the first thing a visitor sees is verified data.
 */
import type { JSX } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { SearchResult } from '../../../client/index.js'
import { FILTER_FLAG_PATHS } from '../../../cli/filter-args.js'
import type { ViewProps } from '../context.js'
import { usePersistent } from '../components/persist.js'
import { Status, errorText } from '../components/status.js'
import { SearchForm, filterOfForm } from './search-form.js'
import type { FormValues } from './search-form.js'
import { OffersTable } from './offers-table.js'
import { PAGE_RESULTS_PER_NODE } from '../session.js'

/** The flag (form field) an error's path names, e.g. `filter.countries[0]` -> `country`. */
function flagOfError (err: unknown): string | undefined {
  const path = (err as { path?: unknown })?.path
  if (typeof path !== 'string') return undefined
  const key = Object.keys(FILTER_FLAG_PATHS).filter(k => path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`))
    .sort((a, b) => b.length - a.length)[0]
  return key === undefined ? undefined : FILTER_FLAG_PATHS[key]?.replace(/^--/, '')
}

/** `CODE: message`, naming the flag rather than the filter's internal path (as the CLI does). */
function searchErrorText (err: unknown): string {
  const path = (err as { path?: unknown })?.path
  const flag = flagOfError(err)
  const text = errorText(err)
  return typeof path === 'string' && flag !== undefined ? text.replace(`${path}:`, `--${flag}:`) : text
}

/** See module doc. */
export function SearchView ({ ctx }: ViewProps): JSX.Element {
  const [values, setValues] = usePersistent<FormValues>('search.form', {})
  const [result, setResult] = usePersistent<SearchResult | undefined>('search.result', undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [busy, setBusy] = useState(false)
  const [took, setTook] = usePersistent<number | undefined>('search.took', undefined)
  const started = useRef(false)

  const run = async (): Promise<void> => {
    setBusy(true)
    setError(undefined)
    const t0 = performance.now()
    try {
      const r = await ctx.session.search(ctx.nodes, filterOfForm(values))
      setResult(r)
      ctx.setReports(r.sources)
      setTook(performance.now() - t0)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => {
    if (started.current || result !== undefined || ctx.nodes.length === 0) return
    started.current = true
    void run()
  }, [])

  const offers = result?.offers.length ?? 0
  return (
    <section aria-labelledby='search-title'>
      <h1 id='search-title'>Search offers</h1>
      <SearchForm values={values} onChange={setValues} onSubmit={() => { void run() }} busy={busy} invalidFlag={error === undefined ? undefined : flagOfError(error)} />
      <div id='search-error'>{error === undefined ? null : <Status kind='error'>{searchErrorText(error)}</Status>}</div>
      {busy
        ? <Status kind='busy'>Asking {ctx.nodes.length} node(s) and verifying their offers…</Status>
        : result === undefined
          ? (ctx.nodes.length === 0 ? <Status kind='ok'>No node yet: add one in Nodes.</Status> : null)
          : <Status kind='ok'>{offers} verified offer{offers === 1 ? '' : 's'} from {result.sources.length} node(s){took === undefined ? '' : ` in ${Math.round(took)} ms`}.</Status>}
      {result?.sources.some(s => s.offers >= PAGE_RESULTS_PER_NODE) === true
        ? <p class='note'>Each node sent its {PAGE_RESULTS_PER_NODE} cheapest matches at most: narrow the filter to see others.</p>
        : null}
      {result === undefined ? null : <OffersTable result={result} />}
    </section>
  )
}
