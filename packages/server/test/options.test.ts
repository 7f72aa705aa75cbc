// @vitest-environment node
import { createPrivateKey } from 'node:crypto'
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { createMemoryStore, type TokenServiceOptions } from 'widget-token-server'
import { createService, runOnFakeTime } from './helpers'

runOnFakeTime()

const readTime = () => Date.now()

describe('options', () => {
  it.each<[string, Partial<TokenServiceOptions>, RegExp]>([
    ['clock.maxDriftMs NaN', { clock: { readTime, maxDriftMs: NaN } }, /clock\.maxDriftMs must be a positive number of milliseconds, not NaN: e\.g\. 10000/],
    ['clock.maxDriftMs negative', { clock: { readTime, maxDriftMs: -1 } }, /clock\.maxDriftMs must be/],
    ['clock.intervalMs 0', { clock: { readTime, intervalMs: 0 } }, /clock\.intervalMs must be at least 1000/],
    ['clock.intervalMs NaN', { clock: { readTime, intervalMs: NaN } }, /clock\.intervalMs must be at least 1000/],
    ['clock.intervalMs negative', { clock: { readTime, intervalMs: -5 } }, /clock\.intervalMs must be at least 1000/],
    ['clock.readTime not a function', { clock: { readTime: 5 as never } }, /clock\.readTime must be a function/],
    ['clock.onDrift not a function', { clock: { readTime, onDrift: 'page' as never } }, /clock\.onDrift must be a function/],
    ['clock.onError not a function', { clock: { readTime, onError: true as never } }, /clock\.onError must be a function/],
    ['clock.fetch not a function', { clock: { url: 'https://time.example', fetch: {} as never } }, /clock\.fetch must be a function/],
    ['clock as a string', { clock: 'https://time.example' as never }, /clock must be \{ url \} or \{ readTime \}, or false/],
    ['clock.url not a URL', { clock: { url: 'login.mypurecloud.com' } }, /clock\.url must be an https: URL/],
    ['ttlSeconds NaN', { ttlSeconds: NaN }, /ttlSeconds must be a positive number, not NaN/],
    ['ttlSeconds Infinity', { ttlSeconds: Infinity }, /ttlSeconds must be a positive number/],
    ['jwksMaxAgeSeconds 0', { jwksMaxAgeSeconds: 0 }, /jwksMaxAgeSeconds must be a positive number/],
    ['refreshWindowSeconds "10"', { refreshWindowSeconds: '10' as never }, /refreshWindowSeconds must be a positive number, not "10"/],
    ['maxBodyBytes -1', { maxBodyBytes: -1 }, /maxBodyBytes must be a positive number/],
    ['issuer a number', { issuer: 7 as never }, /issuer is required: the iss/],
    ['audience empty', { audience: '' }, /audience is required: the aud/],
    ['basePath relative', { basePath: 'api' }, /basePath must start with "\/"/],
    ['allowedOrigins a string', { allowedOrigins: 'https://portal.example' as never }, /allowedOrigins must be an array of origins/],
    ['an allowed origin with a path', { allowedOrigins: ['https://portal.example/'] }, /allowedOrigins\[0\] must be an origin .*"https:\/\/portal\.example"/],
    ['keys a single key', { keys: { privateKey: 'x' } as never }, /keys must be an array/],
    ['keys[0] without privateKey', { keys: [{} as never] }, /keys\[0\]\.privateKey is required/],
    ['algorithm HS256', { algorithm: 'HS256' as never }, /algorithm must be 'RS256' or 'ES256'/],
    ['sessionRateLimit NaN points', { sessionRateLimit: { points: NaN, durationSeconds: 60 } }, /sessionRateLimit needs positive points and durationSeconds/],
    ['addressRateLimit a number', { addressRateLimit: 300 as never }, /addressRateLimit must be \{ points, durationSeconds \}, \{ limiter \} or false/],
    ['clientAddress a string', { clientAddress: 'x-forwarded-for' as never }, /clientAddress must be a function/],
    ['store without setIfAbsent', { store: { get() {} } as never }, /store must have get, set, setIfAbsent, delete and increment/],
    ['logger without warn', { logger: { error() {} } as never }, /logger must have warn\(message\) and error\(message, error\)/],
    ['now not a function', { now: 5 as never }, /now must be a function/],
    ['onEvent not a function', { onEvent: {} as never }, /onEvent must be a function/],
  ])('refuses %s with a TypeError that says how to fix it', (_, options, message) => {
    let thrown: unknown
    try {
      createService(options)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as Error).message).toMatch(/^widget-token-server: /)
    expect((thrown as Error).message).toMatch(message)
  })

  it('still accepts a store with every command', () => {
    expect(() => createService({ store: createMemoryStore(), keys: [{ privateKey: { kty: 'EC' } as never }] })).not.toThrow()
  })
})

describe('key errors name the key and the fix', () => {
  const rsa = async () => (await generateKeyPair('RS256', { extractable: true }))
  const rejection = async (privateKey: string, index = 1) => {
    const good = await exportPKCS8((await rsa()).privateKey)
    const keys = index === 0 ? [{ privateKey }] : [{ privateKey: good }, { privateKey }]
    const { service } = createService({ keys, algorithm: undefined })
    return service.ready().then(() => undefined, (error: Error) => error)
  }

  it('a PKCS#1 PEM: the openssl command that turns it into PKCS#8', async () => {
    const pkcs8 = await exportPKCS8((await rsa()).privateKey)
    const pkcs1 = createPrivateKey(pkcs8).export({ type: 'pkcs1', format: 'pem' }).toString()
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY')
    const error = await rejection(pkcs1)
    expect(error).toBeInstanceOf(TypeError)
    expect(error!.message).toMatch(/^widget-token-server: keys\[1\]/)
    expect(error!.message).toContain('openssl pkcs8 -topk8 -nocrypt -in key.pem')
  })

  it('an EC key in SEC1 PEM: the same command', async () => {
    const pkcs8 = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey)
    const sec1 = createPrivateKey(pkcs8).export({ type: 'sec1', format: 'pem' }).toString()
    const error = await rejection(sec1, 0)
    expect(error!.message).toMatch(/^widget-token-server: keys\[0\]/)
    expect(error!.message).toContain('openssl pkcs8 -topk8 -nocrypt -in key.pem')
  })

  it('a public key: says so', async () => {
    const error = await rejection(await exportSPKI((await rsa()).publicKey))
    expect(error!.message).toMatch(/^widget-token-server: keys\[1\] is a public key: pass the private key/)
  })

  it('a file path: says to read the file', async () => {
    const error = await rejection('/run/secrets/token-signing-key.pem')
    expect(error!.message).toMatch(/^widget-token-server: keys\[1\] looks like a file path/)
    expect(error!.message).toContain("readFileSync('/run/secrets/token-signing-key.pem', 'utf8')")
  })

  it('key material without PEM armour: never echoed back as a path', async () => {
    const der = (await exportPKCS8((await rsa()).privateKey)).replace(/-----[A-Z ]+-----|\s/g, '')
    const error = await rejection(der)
    expect(error!.message).toMatch(/^widget-token-server: keys\[1\]: the RS256 signing key could not be read/)
    expect(error!.message).not.toContain(der.slice(0, 40))
  })

  it('a PEM that is not a key: names the key', async () => {
    const error = await rejection('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')
    expect(error!.message).toMatch(/^widget-token-server: keys\[1\]: the RS256 signing key could not be read/)
  })
})
