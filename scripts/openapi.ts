/**
 * Writes the OpenAPI 3.1 document of the control API (protocols/api-v1.openapi.json), generated
 * from the route table (src/api/routes.ts). `npm run openapi` rewrites the file; with `--check` it
 * exits 1 if the committed file differs. test/unit/api/openapi.test.ts makes the same check, so a
 * route or schema change shows up as a failing test and a reviewed diff of the document.
 */
import '../src/polyfill.js'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { openApiText } from '../src/api/openapi.js'

const FILE = fileURLToPath(new URL('../protocols/api-v1.openapi.json', import.meta.url))

const text = openApiText()
if (process.argv.includes('--check')) {
  const committed = await readFile(FILE, 'utf8').catch(() => '')
  if (committed !== text) {
    process.stderr.write(`${FILE} is not the generated document: run npm run openapi\n`)
    process.exit(1)
  }
} else {
  await writeFile(FILE, text)
  process.stdout.write(`wrote ${FILE}\n`)
}
