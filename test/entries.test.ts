// @vitest-environment node
// scripts/entries.mjs is the one list of the browser package's entry points: the build reads it,
// and this checks that what the package exports and what dist/ holds are exactly that list.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { entries, importPath, scriptFile } from '../scripts/entries.mjs'

const root = new URL('../', import.meta.url)
const dist = new URL('../dist/', import.meta.url)
const require = createRequire(new URL('package.json', root))

describe('the entry points', () => {
  it('each start from a source file that exists', () => {
    for (const { source } of entries) expect(existsSync(new URL(source, root)), source).toBe(true)
  })

  it('are each reachable by the import path a user writes, from ESM and CommonJS', async () => {
    for (const entry of entries) {
      expect(require.resolve(importPath(entry)), importPath(entry)).toBe(new URL(`${entry.name}.cjs`, dist).pathname)
      expect(import.meta.resolve(importPath(entry)), importPath(entry)).toBe(new URL(`${entry.name}.js`, dist).href)
    }
  })

  it('are all that dist/ offers: no other module and no other script tag', () => {
    const files = readdirSync(dist).filter((name) => name.endsWith('.js'))
    const expected = [...entries.map(({ name }) => `${name}.js`), ...entries.filter((entry) => entry.script).map(scriptFile)]
    expect(files.sort()).toEqual(expected.sort())
  })

  it('each have a size budget: an import, a script tag, or (the testing kit) none by design', () => {
    for (const entry of entries.filter(({ name }) => name !== 'testing')) {
      expect(entry.budget ?? entry.script, entry.name).toBeGreaterThan(0)
      if (entry.import) expect(readFileSync(new URL(entry.source, root), 'utf8'), entry.name).toMatch(new RegExp(`export (async )?(function|const|class) ${entry.import.replace(/[{} ]/g, '')}\\b`))
    }
  })
})
