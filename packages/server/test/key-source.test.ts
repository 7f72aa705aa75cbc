// @vitest-environment node
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryStore, type SigningKeyInput, type TokenService } from 'widget-token-server'
import { createService, runOnFakeTime } from './helpers'

// Keys from a secret manager: `keys` as a function, read again every keysRefreshSeconds. A new key is
// published before it signs; rotation without a store would not survive a restart, so it is refused.

let service: TokenService

runOnFakeTime()

const ecKey = async (): Promise<SigningKeyInput> => ({ privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' })
let [first, second] = [] as SigningKeyInput[]
const kids = new Map<SigningKeyInput, string>()
beforeAll(async () => {
  ;[first, second] = [await ecKey(), await ecKey()]
  for (const key of [first, second]) {
    const probe = createService({ keys: [key!] })
    kids.set(key!, (await probe.service.jwks()).keys[0]!.kid!)
    probe.service.close()
  }
})

const kidOf = (key: SigningKeyInput | undefined) => kids.get(key!)!
const signingKid = async () => decodeProtectedHeader((await service.issue('visitor')).token).kid
const publishedKids = async () => (await service.jwks()).keys.map((key) => key.kid)

describe('keys from a function', () => {
  it('reads the keys again every keysRefreshSeconds, publishes a new first key at once, and signs with it once every cached JWKS has it', async () => {
    let current = [first!]
    const keys = vi.fn(async () => current)
    ;({ service } = createService({ keys, keysRefreshSeconds: 60, jwksMaxAgeSeconds: 300, algorithm: undefined }))
    await service.ready()
    expect(keys).toHaveBeenCalledTimes(1)
    expect(await signingKid()).toBe(kidOf(first))

    current = [second!, first!]
    await vi.advanceTimersByTimeAsync(60_000)
    await service.ready()
    expect(keys).toHaveBeenCalledTimes(2)
    expect(await publishedKids()).toEqual(expect.arrayContaining([kidOf(first), kidOf(second)]))
    expect(await signingKid()).toBe(kidOf(first))
    // Published at 60 s; other instances read their keys within 60 s more, then caches live 300 s.
    await vi.advanceTimersByTimeAsync(359_999)
    expect(await signingKid()).toBe(kidOf(first))
    await vi.advanceTimersByTimeAsync(1)
    expect(await signingKid()).toBe(kidOf(second))
  })

  it('keeps a key that left the list published until the tokens it signed have expired', async () => {
    let current = [first!]
    ;({ service } = createService({ keys: async () => current, keysRefreshSeconds: 60, jwksMaxAgeSeconds: 60, ttlSeconds: 600, algorithm: undefined }))
    await service.issue('visitor')
    current = [second!]
    await vi.advanceTimersByTimeAsync(60_000)
    await service.ready()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(await signingKid()).toBe(kidOf(second))
    // The first key's last token, signed at 0 s, expires at 600 s: it stays published until then.
    await vi.advanceTimersByTimeAsync(600_000 - 180_000 - 1)
    expect(await publishedKids()).toContain(kidOf(first))
    await vi.advanceTimersByTimeAsync(1)
    expect(await publishedKids()).toEqual([kidOf(second)])
  })

  it('keeps the keys it has when a later read fails, and logs it', async () => {
    let fail = false
    const created = createService({
      keys: async () => {
        if (fail) throw new Error('secret manager timed out')
        return [first!]
      },
      keysRefreshSeconds: 60,
      algorithm: undefined,
    })
    service = created.service
    await service.ready()
    fail = true
    await vi.advanceTimersByTimeAsync(60_000)
    await service.ready()
    expect(await signingKid()).toBe(kidOf(first))
    expect(created.logger.warn).toHaveBeenCalledWith(expect.stringContaining('the keys could not be read again (secret manager timed out)'))
  })

  it('rejects ready() when the first read fails, naming the reason', async () => {
    ;({ service } = createService({ keys: async () => Promise.reject(new Error('access denied')), algorithm: undefined }))
    await expect(service.ready()).rejects.toThrow(/^widget-token-server: keys\(\) failed: access denied/)
  })

  it('rejects ready() with a TypeError for what the function returns that is not a list of keys', async () => {
    ;({ service } = createService({ keys: async () => ({ privateKey: 'x' }) as never, algorithm: undefined }))
    await expect(service.ready()).rejects.toThrow(/keys must be an array/)
  })

  it('rejects ready() when the function returns no keys', async () => {
    ;({ service } = createService({ keys: () => [], algorithm: undefined }))
    await expect(service.ready()).rejects.toThrow(/^widget-token-server: keys\(\) returned no keys/)
  })

  it('stops reading the keys once closed', async () => {
    const keys = vi.fn(() => [first!])
    ;({ service } = createService({ keys, keysRefreshSeconds: 60, algorithm: undefined }))
    await service.ready()
    service.close()
    await vi.advanceTimersByTimeAsync(600_000)
    expect(keys).toHaveBeenCalledTimes(1)
  })

  it.each([
    ['keysRefreshSeconds with keys that are not a function', { keys: [{ privateKey: 'x' }], keysRefreshSeconds: 60 }, /keysRefreshSeconds applies to keys given as a function/],
    ['keysRefreshSeconds NaN', { keys: async () => [], keysRefreshSeconds: NaN }, /keysRefreshSeconds must be a positive number/],
  ])('refuses %s', (_, options, message) => {
    expect(() => createService(options as never)).toThrow(message)
  })
})

describe('rotate()', () => {
  it('refuses without a store when keys come from configuration: the rotation would not survive a restart', async () => {
    ;({ service } = createService({ keys: [first!, second!], algorithm: undefined }))
    await expect(service.rotate()).rejects.toThrow(/^widget-token-server: rotate\(\) needs a shared store/)
    ;({ service } = createService({ keys: async () => [first!], algorithm: undefined }))
    await expect(service.rotate()).rejects.toThrow(TypeError)
  })

  it('with a store, survives a restart: a new instance signs with the rotated key', async () => {
    const store = createMemoryStore()
    ;({ service } = createService({ keys: [first!, second!], store, jwksMaxAgeSeconds: 60, algorithm: undefined }))
    const { kid } = await service.rotate()
    service.close()
    ;({ service } = createService({ keys: [first!, second!], store, jwksMaxAgeSeconds: 60, algorithm: undefined }))
    expect(await signingKid()).toBe(kidOf(first))
    vi.advanceTimersByTime(60_000)
    expect(await signingKid()).toBe(kid)
  })
})
