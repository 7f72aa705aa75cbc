import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget } from '../../src'
import { createBackend } from '../helpers/backend'
import { jwt, ORG_ID } from '../helpers/jwt'
import { cleanUpManagers, createHarness, ENDPOINT, genConfig, MINUTE, T0, type Harness } from '../helpers/setup'
import { createFakeGen } from '../helpers/widget'

let h: Harness

cleanUpManagers()

describe('endpoints', () => {
  it('judges the endpoint when the manager is created', () => {
    expect(() => createTokenManager({ endpoint: 'http://portal.example.com/token', widget: genWidget({ config: genConfig }) })).toThrow(
      expect.objectContaining({ code: 'insecure_endpoint' }),
    )
    expect(() => createTokenManager({ endpoint: ENDPOINT, widget: genWidget({ config: genConfig }) })).not.toThrow()
  })

  it.each(['http://portal.example.com/api/token', 'ftp://portal.example.com/token'])('refuses the insecure endpoint %s', (endpoint) => {
    const create = () => createTokenManager({ endpoint, widget: genWidget({ config: genConfig }) })
    expect(create).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
  })

  it('refuses a refresh endpoint over plain http', () => {
    const create = () =>
      createTokenManager({ endpoint: ENDPOINT, refreshEndpoint: 'http://portal.example.com/refresh', widget: genWidget({ config: genConfig }) })
    expect(create).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
  })

  it.each(['https://portal.example.com/token', 'http://localhost:3000/token', 'http://127.0.0.1:8080/token', '/api/v1/embedded-cx/token'])(
    'accepts %s',
    (endpoint) => {
      expect(() => createTokenManager({ endpoint, widget: genWidget({ config: genConfig }) })).not.toThrow()
    },
  )

  it('needs an endpoint or a fetchToken', () => {
    // @ts-expect-error the options' type says so too
    expect(() => createTokenManager({ widget: genWidget({ config: genConfig }) })).toThrow(TypeError)
  })

  it('says what it needs when given neither an endpoint nor a fetchToken', () => {
    // @ts-expect-error the options' type says so too
    expect(() => createTokenManager({ widget: genWidget({ config: genConfig }) })).toThrow('widget-token: endpoint or fetchToken is required')
  })
})

describe('custom sources', () => {
  it('passes the reason and whether it is a refresh, and applies the timeout', async () => {
    vi.useFakeTimers({ now: T0 })
    const widget = createFakeGen()
    const requests: Array<{ reason: string; refresh: boolean }> = []
    const manager = createTokenManager({
      requestTimeoutMs: 3000,
      random: () => 1,
      widget: genWidget({ config: genConfig, gen: widget.gen }),
      fetchToken: async ({ reason, refresh }) => {
        requests.push({ reason, refresh })
        const iat = Math.floor(Date.now() / 1000)
        if (requests.length === 2) return new Promise<never>(() => {})
        return { token: jwt({ aud: ORG_ID, iat, exp: iat + 600 }) }
      },
    })
    const errors = vi.fn()
    manager.on('error', errors)
    await manager.start()
    await vi.advanceTimersByTimeAsync(8 * MINUTE + 3000 + 1000)

    expect(requests).toEqual([
      { reason: 'start', refresh: false },
      { reason: 'schedule', refresh: true },
      { reason: 'retry', refresh: true },
    ])
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'timeout' }))
    expect(manager.expiresAt).toBe(T0 + 8 * MINUTE + 4000 + 10 * MINUTE)
    manager.stop()
  })
})

describe('an endpoint on another origin', () => {
  it.each([
    ['the endpoint', { endpoint: 'https://api.example.net/token' }],
    ['only the refresh endpoint', { endpoint: ENDPOINT, refreshEndpoint: 'https://api.example.net/refresh' }],
  ])('is warned about when the run starts, %s elsewhere: the session cookie does not go there', async (_, endpoints) => {
    vi.useFakeTimers()
    const backend = createBackend()
    const manager = createTokenManager({ ...endpoints, fetch: backend.fetch, widget: genWidget({ config: genConfig, gen: createFakeGen().gen }) })
    const warnings = vi.fn()
    manager.on('warning', warnings)
    await manager.start()
    expect(warnings).toHaveBeenCalledWith({ code: 'cross_origin_endpoint', origin: 'https://api.example.net' })
    manager.stop()
  })

  it('is not warned about when it shares the page’s origin', async () => {
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
  })
})

describe('the page’s secure context', () => {
  it('warns when the page itself is not a secure context', async () => {
    vi.stubGlobal('isSecureContext', false)
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([expect.objectContaining({ code: 'insecure_page' })])
  })

  it('does not warn on a secure page', async () => {
    vi.stubGlobal('isSecureContext', true)
    h = createHarness()
    await h.manager.start()
    expect(h.of('warning')).toEqual([])
  })
})
