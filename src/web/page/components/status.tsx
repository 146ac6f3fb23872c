/**
 * Status lines: progress and results are announced politely to screen readers (role=status),
 * errors at once (role=alert). An error shows its stable code first, as the CLI prints it.
 */
import type { ComponentChildren } from 'preact'

/** A busy, done or error message (see module doc). */
export function Status (props: { kind: 'busy' | 'ok' | 'error', children: ComponentChildren }): preact.JSX.Element {
  return (
    <p class={`status status-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'} aria-live={props.kind === 'error' ? 'assertive' : 'polite'}>
      {props.children}
    </p>
  )
}

/** `CODE: message` of an error (a FulcrumError's code, else the error's name). */
export function errorText (err: unknown): string {
  const e = err as { code?: unknown, message?: unknown, name?: unknown }
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'ERROR'
  return `${code}: ${typeof e?.message === 'string' ? e.message : String(err)}`
}
