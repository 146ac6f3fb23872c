/**
 * A data table: a real <table> with a caption and column headers. Each cell carries its column's
 * label (`data-label`), which the stylesheet shows beside the value on narrow screens, where rows
 * become stacked cards instead of overflowing sideways.
 */
import type { ComponentChildren } from 'preact'

/** One column: its header and how to render a row's cell. */
export interface Column<T> {
  label: string
  cell: (row: T) => ComponentChildren
  /** Right-aligned (numbers, prices). */
  numeric?: boolean
}

/** Props of {@link DataTable}. */
export interface DataTableProps<T> {
  caption: string
  columns: Array<Column<T>>
  rows: T[]
  rowKey: (row: T) => string
  /** Shown in place of the table body when there are no rows. */
  empty?: string
  /** Test and style hook. */
  name?: string
}

/** See module doc. */
export function DataTable<T> (props: DataTableProps<T>): preact.JSX.Element {
  return (
    <div class='table-wrap'>
      <table data-table={props.name}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>{props.columns.map(c => <th scope='col' class={c.numeric === true ? 'num' : undefined} key={c.label}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {props.rows.length === 0
            ? <tr><td colSpan={props.columns.length} class='empty'>{props.empty ?? 'Nothing to show.'}</td></tr>
            : props.rows.map(row => (
              <tr key={props.rowKey(row)}>
                {props.columns.map(c => <td data-label={c.label} class={c.numeric === true ? 'num' : undefined} key={c.label}>{c.cell(row)}</td>)}
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  )
}
