// @vitest-environment node
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dist = new URL('../dist/', import.meta.url)

describe('the built token service', () => {
  it('imports jose and the rate limiter rather than bundling them, so the backend patches them itself', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(new URL(file, dist), 'utf8')
      expect(code).toMatch(/from 'jose'|require\('jose'\)/)
      expect(code).toMatch(/from 'rate-limiter-flexible'|require\('rate-limiter-flexible'\)/)
    }
  })
})
