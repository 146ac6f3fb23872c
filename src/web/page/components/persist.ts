/**
 * State that outlives a view's unmounting (switching tabs keeps the search form and its results):
 * a `useState` whose value is kept per key for the page's lifetime.
 */
import { useState } from 'preact/hooks'

const kept = new Map<string, unknown>()

/** Like `useState`, but the value survives the component being unmounted and mounted again. */
export function usePersistent<T> (key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(kept.has(key) ? kept.get(key) as T : initial)
  return [value, (v: T) => { kept.set(key, v); setValue(v) }]
}
