/**
 * The search form: one field per `fulcrum search` flag, named after the flag, parsed by the CLI's
 * own `filterFromArgs` so the page accepts and refuses exactly what the CLI does. List flags
 * (--country, --jurisdiction, --min-spec) take values separated by spaces or commas.
 */
import type { JSX } from 'preact'
import { BILLING_UNITS, CERTIFICATIONS, SERVICE_TYPES } from '../../../offers/index.js'
import type { OfferFilter } from '../../../offers/index.js'
import { filterFromArgs } from '../../../cli/filter-args.js'

/** Form values by flag name (`cert` is a list of checked certifications). */
export interface FormValues { [flag: string]: string | string[] }

/** The flags given as lists of words. */
const LIST_FLAGS = new Set(['country', 'jurisdiction', 'min-spec'])

/** The filter of the form's values (throws `CLI_USAGE` as the CLI does). */
export function filterOfForm (values: FormValues): OfferFilter {
  const args: Record<string, string | string[] | undefined> = {}
  for (const [flag, v] of Object.entries(values)) {
    if (Array.isArray(v)) args[flag] = v
    else if (v.trim() === '') continue
    else args[flag] = LIST_FLAGS.has(flag) ? v.split(/[\s,]+/).filter(x => x !== '') : v.trim()
  }
  return filterFromArgs({ values: args, positionals: [] })
}

/** Props of {@link SearchForm}. */
export interface SearchFormProps {
  values: FormValues
  onChange: (values: FormValues) => void
  onSubmit: () => void
  busy: boolean
  /** The flag an error names (its field is marked invalid and described by the error). */
  invalidFlag?: string | undefined
}

function TextField (props: { flag: string, label: string, hint?: string, form: SearchFormProps, inputMode?: 'numeric' | 'decimal' | 'text' }): JSX.Element {
  const id = `f-${props.flag}`
  const invalid = props.form.invalidFlag === props.flag
  return (
    <div class='field'>
      <label for={id}>{props.label}</label>
      <input id={id} name={props.flag} type='text' inputMode={props.inputMode ?? 'text'} autoComplete='off'
        value={props.form.values[props.flag] as string ?? ''} aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={[props.hint === undefined ? '' : `${id}-hint`, invalid ? 'search-error' : ''].join(' ').trim() || undefined}
        onInput={(e) => { props.form.onChange({ ...props.form.values, [props.flag]: (e.target as HTMLInputElement).value }) }} />
      {props.hint === undefined ? null : <small id={`${id}-hint`}>{props.hint}</small>}
    </div>
  )
}

/** See module doc. */
export function SearchForm (props: SearchFormProps): JSX.Element {
  const certs = (props.values.cert as string[] | undefined) ?? []
  const toggleCert = (c: string, on: boolean): void => {
    props.onChange({ ...props.values, cert: on ? [...certs, c] : certs.filter(x => x !== c) })
  }
  return (
    <form class='search-form' aria-label='Search offers' aria-busy={props.busy ? 'true' : undefined}
      onSubmit={(e) => { e.preventDefault(); if (!props.busy) props.onSubmit() }}>
      <div class='fields'>
        <div class='field'>
          <label for='f-type'>Service type</label>
          <select id='f-type' name='type' value={props.values.type as string ?? ''}
            onChange={(e) => { props.onChange({ ...props.values, type: (e.target as HTMLSelectElement).value }) }}>
            <option value=''>any</option>
            {Object.keys(SERVICE_TYPES).map(t => <option value={t} key={t}>{t}</option>)}
          </select>
        </div>
        <TextField flag='country' label='Countries' hint='ISO codes or EU, e.g. IT DE' form={props} />
        <TextField flag='max-price' label='Max price' hint='needs a currency' form={props} inputMode='decimal' />
        <TextField flag='currency' label='Currency' hint='e.g. EUR' form={props} />
        <div class='field'>
          <label for='f-price-unit'>Price per</label>
          <select id='f-price-unit' name='price-unit' value={props.values['price-unit'] as string ?? 'hour'}
            onChange={(e) => { props.onChange({ ...props.values, 'price-unit': (e.target as HTMLSelectElement).value }) }}>
            {Object.keys(BILLING_UNITS).map(u => <option value={u} key={u}>{u}</option>)}
          </select>
        </div>
        <TextField flag='min-vcpu' label='Min vCPU' form={props} inputMode='numeric' />
        <TextField flag='min-memory' label='Min memory (GiB)' form={props} inputMode='numeric' />
      </div>
      <details>
        <summary>More filters</summary>
        <div class='fields'>
          <TextField flag='jurisdiction' label='Jurisdictions' hint='ISO codes or EU' form={props} />
          <TextField flag='min-availability' label='Min availability (%)' hint='e.g. 99.9' form={props} inputMode='decimal' />
          <TextField flag='min-capacity' label='Min capacity' form={props} inputMode='numeric' />
          <TextField flag='min-spec' label='Min specs' hint='KEY=N, e.g. gpuCount=2' form={props} />
        </div>
        <fieldset class='certs' aria-invalid={props.invalidFlag === 'cert' ? 'true' : undefined}>
          <legend>Certifications (all required)</legend>
          {[...CERTIFICATIONS].map(c => (
            <label class='check' key={c}>
              <input type='checkbox' name='cert' value={c} checked={certs.includes(c)}
                onChange={(e) => { toggleCert(c, (e.target as HTMLInputElement).checked) }} /> {c}
            </label>
          ))}
        </fieldset>
      </details>
      <button type='submit' aria-disabled={props.busy ? 'true' : undefined}>{props.busy ? 'Searching…' : 'Search'}</button>
    </form>
  )
}
