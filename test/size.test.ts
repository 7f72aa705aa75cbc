// @vitest-environment node
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { entries, scriptFile } from '../scripts/entries.mjs'

const core = entries.find(({ name }) => name === 'index')!
const iife = new URL(`../dist/${scriptFile(core)}`, import.meta.url)

describe('bundle budget', () => {
  it(`keeps the script-tag build, core, gen adapter and tab sharing, within its budget of ${core.script} bytes gzipped`, () => {
    expect(existsSync(iife), 'dist/ is missing: `npm test` builds before testing').toBe(true)
    expect(gzipSync(readFileSync(iife), { level: 9 }).length).toBeLessThanOrEqual(core.script!)
  })
})
