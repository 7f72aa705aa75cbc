// @vitest-environment node
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const iife = new URL('../dist/widget-token.iife.min.js', import.meta.url)

describe('bundle budget', () => {
  it('keeps the script-tag build, core, gen adapter and tab sharing, within 6534 bytes gzipped', () => {
    expect(existsSync(iife), 'dist/ is missing: `npm test` builds before testing').toBe(true)
    expect(gzipSync(readFileSync(iife), { level: 9 }).length).toBeLessThanOrEqual(6534)
  })
})
