// @vitest-environment node
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import type { TokenService } from 'widget-token-server'
import { BASE, createService, runOnFakeTime } from './helpers'

let service: TokenService

runOnFakeTime()

async function fetchJwks() {
  const response = await service.fetch(new Request(`${BASE}/jwks.json`))
  return { body: (await response.json()) as JSONWebKeySet, cacheControl: response.headers.get('cache-control') }
}

const kids = (set: JSONWebKeySet) => set.keys.map((key) => key.kid)

describe('key rotation', () => {
  it('publishes the next key at once and signs with it only after the JWKS cache lifetime', async () => {
    ;({ service } = createService({ jwksMaxAgeSeconds: 300, ttlSeconds: 900 }))
    const before = await fetchJwks()
    const oldKid = before.body.keys[0]!.kid
    const { kid, activatesAt } = await service.rotate()

    expect(before.cacheControl).toBe('public, max-age=300')
    expect(activatesAt).toBe(Date.now() + 300_000)
    expect(kids((await fetchJwks()).body)).toEqual([kid, oldKid])
    expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(oldKid)
    vi.advanceTimersByTime(299_999)
    expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(oldKid)
    vi.advanceTimersByTime(1)
    expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(kid)
  })

  it('lets a verifier holding a JWKS fetched before rotate() verify every token issued after it', async () => {
    ;({ service } = createService({ jwksMaxAgeSeconds: 300, ttlSeconds: 900 }))
    let cached = createLocalJWKSet((await fetchJwks()).body)
    let cachedAt = Date.now()
    await service.rotate()
    // A verifier that honours max-age: it refetches only once its copy is 300 s old.
    for (let minute = 0; minute < 40; minute++) {
      if (Date.now() - cachedAt >= 300_000) {
        cached = createLocalJWKSet((await fetchJwks()).body)
        cachedAt = Date.now()
      }
      const { token } = await service.issue(`visitor-${minute}`)
      await expect(jwtVerify(token, cached), `token of minute ${minute}`).resolves.toBeTruthy()
      vi.advanceTimersByTime(60_000)
    }
  })

  it('keeps a retired key published until the last token it signed has expired', async () => {
    ;({ service } = createService({ jwksMaxAgeSeconds: 60, ttlSeconds: 600 }))
    const oldKid = (await fetchJwks()).body.keys[0]!.kid
    const { kid } = await service.rotate()
    vi.advanceTimersByTime(59_000)
    const lastOld = (await service.issue('visitor')).token
    expect(decodeProtectedHeader(lastOld).kid).toBe(oldKid)
    vi.advanceTimersByTime(1_000)
    expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(kid)

    vi.advanceTimersByTime(598_000)
    const set = (await fetchJwks()).body
    expect(kids(set)).toEqual([kid, oldKid])
    await expect(jwtVerify(lastOld, createLocalJWKSet(set))).resolves.toBeTruthy()
    vi.advanceTimersByTime(1_000)
    expect(kids((await fetchJwks()).body)).toEqual([kid])
  })

  it('keeps every unexpired token’s key published while rotations and signings overlap', async () => {
    ;({ service } = createService({ jwksMaxAgeSeconds: 30, ttlSeconds: 120, algorithm: 'ES256' }))
    const alive: Array<{ kid: string; exp: number }> = []
    for (let second = 0; second < 600; second += 5) {
      const issuing = Array.from({ length: 3 }, (_, index) => service.issue(`visitor-${index}`))
      if (second % 90 === 0) await service.rotate()
      for (const { token } of await Promise.all(issuing)) alive.push({ kid: decodeProtectedHeader(token).kid!, exp: Date.now() + 120_000 })
      const published = kids((await fetchJwks()).body)
      for (const token of alive.filter(({ exp }) => exp > Date.now())) expect(published).toContain(token.kid)
      vi.advanceTimersByTime(5_000)
    }
    expect(new Set(alive.map(({ kid }) => kid)).size).toBeGreaterThan(4)
  })

  it('returns the rotation already scheduled instead of stacking another', async () => {
    ;({ service } = createService())
    const [first, second] = await Promise.all([service.rotate(), service.rotate()])
    expect(second).toEqual(first)
    expect((await fetchJwks()).body.keys).toHaveLength(2)
  })
})
