import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CERTIFICATIONS, COUNTRIES, CURRENCIES } from '../../../src/offers/index.js'

const spec = readFileSync(fileURLToPath(new URL('../../../protocols/offer-v1.md', import.meta.url)), 'utf8')

/** The words of the first code block after the heading `### title`. */
function listUnder (title: string): string[] {
  const section = spec.split(`### ${title}\n`)[1]
  const block = section?.split('```')[1]
  assert.ok(block !== undefined, `no code block under ### ${title}`)
  return block.split(/\s+/).filter(Boolean)
}

describe('protocols/offer-v1.md and the code agree', () => {
  it('lists exactly the countries the code accepts', () => {
    assert.deepEqual(listUnder('Countries').sort(), [...COUNTRIES].sort())
  })

  it('lists exactly the currencies the code accepts', () => {
    assert.deepEqual(listUnder('Currencies').sort(), [...CURRENCIES].sort())
  })

  it('lists exactly the certifications the code accepts', () => {
    const section = spec.split('### Certifications\n')[1]?.split(', or a namespaced')[0] ?? ''
    assert.deepEqual(section.replace(/`/g, '').split(/\s+/).filter(Boolean).sort(), [...CERTIFICATIONS].sort())
  })
})
