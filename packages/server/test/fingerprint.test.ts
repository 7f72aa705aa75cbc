// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { fingerprint, webFingerprint } from '../src/fingerprint'

describe('the session fingerprint', () => {
  it.each(['a', 'sid-0f3c9a', 'ünïcødé 🍪', 'x'.repeat(10_000)])('is the same through node:crypto and Web Crypto for %#', async (session) => {
    expect(await fingerprint(session)).toBe(await webFingerprint(session))
  })

  it('is Node’s own hash on Node, answered without a promise', () => {
    expect(typeof fingerprint('a')).toBe('string')
    expect(fingerprint('a')).toBe('ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=')
  })
})

