// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dist = new URL('../../dist/', import.meta.url)
const serverOnly = /\b(jose|rate-limiter-flexible)\b/

describe('the server entry', () => {
  it('keeps jose and the rate limiter out of every browser bundle', () => {
    const browserFiles = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter(
      (file) => /\.(c?js)$/.test(file) && !/^server\./.test(file),
    )
    expect(browserFiles).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'widget-token.iife.min.js', 'tabs.js']))
    for (const file of browserFiles) expect(readFileSync(new URL(file, dist), 'utf8'), file).not.toMatch(serverOnly)
  })

  it('imports jose and the rate limiter rather than bundling them', () => {
    for (const file of ['server.js', 'server.cjs']) {
      const code = readFileSync(new URL(file, dist), 'utf8')
      expect(code).toMatch(/from 'jose'|require\('jose'\)/)
      expect(code).toMatch(/from 'rate-limiter-flexible'|require\('rate-limiter-flexible'\)/)
    }
  })
})
