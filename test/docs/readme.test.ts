// @vitest-environment node
// The README is the page a newcomer reads in ten minutes; the rest lives in the guides.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { entries } from '../../scripts/entries.mjs'

const readme = readFileSync('README.md', 'utf8')

describe('the README', () => {
  it('stays within 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400)
  })

  it('names every entry point, the token service among them', () => {
    const table = readme.slice(readme.indexOf('## Entry points'), readme.indexOf('## Guides'))
    for (const { name } of entries) {
      const written = name === 'index' ? '`widget-token`' : new RegExp(`\`(widget-token)?/${name}\``)
      expect(table, name).toMatch(written)
    }
    expect(table).toContain('`widget-token-server`')
  })

  it('links every guide', () => {
    for (const guide of readdirSync('docs').filter((name) => name.endsWith('.md'))) expect(readme).toContain(`](docs/${guide})`)
  })
})
