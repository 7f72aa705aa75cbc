// @vitest-environment node
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { entries, scriptFile } from '../scripts/entries.mjs'

const core = entries.find(({ name }) => name === 'index')!
const iife = new URL(`../dist/${scriptFile(core)}`, import.meta.url)
// The one size the documentation gives: the README's, the figure `npm run size` prints for this file.
const readme = readFileSync('README.md', 'utf8')
const stated = /\*\*Small\*\*: ([\d,]+) B gzipped for the script-tag build/.exec(readme)?.[1]
const figure = Number(stated?.replace(/,/g, ''))
const gzipped = () => gzipSync(readFileSync(iife), { level: 9 }).length

/** Sizes given in words about gzipped bundles: `6,470 B`, `1.1 KB`; a peer's (`oidc-client-ts 16.8 KB`) is the peer's. */
function sizesStated(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => /gzip/i.test(line))
    .flatMap((line) => [...line.matchAll(/(\S+)\s\(?(\d[\d,.]*)\s?(B|KB|kB)\b/g)])
    .filter(([, before = '']) => !/[-/@]/.test(before))
    .map((match) => `${match[2]} ${match[3]}`)
}

describe('bundle size', () => {
  it(`keeps the script-tag build, core, gen adapter and tab sharing, within its budget of ${core.script} bytes gzipped`, () => {
    expect(existsSync(iife), 'dist/ is missing: `npm test` builds before testing').toBe(true)
    expect(gzipped()).toBeLessThanOrEqual(core.script!)
  })

  it('is within 64 bytes of the one figure the README states for it', () => {
    expect(Number.isInteger(figure), 'the README no longer says "**Small**: N B gzipped for the script-tag build"').toBe(true)
    expect(Math.abs(gzipped() - figure), `the build is ${gzipped()} B gzipped; the README says ${stated} B`).toBeLessThanOrEqual(64)
  })

  it('has no other size in the README or the guides', () => {
    const guides = readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)
    for (const file of ['README.md', ...guides]) {
      for (const size of sizesStated(readFileSync(file, 'utf8'))) expect(size, file).toBe(`${stated} B`)
    }
  })
})
