/**
 * The page's entry point (bundled by scripts/build-web.ts): reads the boot settings and renders
 * the app into #app.
 */
import { render } from 'preact'
import { App } from './app.js'
import { loadBoot } from './boot.js'
import { consoleKey } from './console.js'

const root = document.getElementById('app')
// First: the console key leaves the address bar before anything else runs.
const key = consoleKey()
if (root !== null) {
  const boot = await loadBoot()
  root.textContent = '' // the no-JavaScript notice
  render(<App boot={boot} consoleKey={key} />, root)
}
