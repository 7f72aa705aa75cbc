import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, WidgetTokenError, type InspectOptions, type WidgetAdapter, type WidgetHost } from '../../src'
import { createBackend } from '../helpers/backend'
import { freshToken } from '../helpers/jwt'
import { withHost } from '../helpers/managers'
import { cleanUpManagers, ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { sdkTimerCount } from '../helpers/widget'

cleanUpManagers()

/** A widget that asks for its token through a callback, as Zendesk and Web Messenger do. */
function pullWidget(extra: Partial<WidgetAdapter> = {}) {
  let host!: WidgetHost
  const adapter: WidgetAdapter = {
    attach(newHost) {
      host = newHost
      return () => {}
    },
    ...extra,
  }
  return { adapter, ask: () => host.token() }
}

describe('widgets that ask for their token', () => {
  it('get a fresh token when they ask, and none they did not ask for', async () => {
    vi.useFakeTimers({ now: T0 })
    const backend = createBackend({ ttlSeconds: 600 })
    const widget = pullWidget()
    const manager = createTokenManager({ endpoint: ENDPOINT, widget: widget.adapter, fetch: backend.fetch })
    await manager.start()
    expect(backend.requests).toHaveLength(0)

    const [first, second] = await Promise.all([widget.ask(), widget.ask()])
    expect(first).toBe(backend.issued[0])
    expect(second).toBe(first)
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    expect(backend.requests).toHaveLength(1)
    expect(await widget.ask()).toBe(backend.issued[1])
    manager.stop()
  })

  it('wait through failed tries for the first good token', async () => {
    vi.useFakeTimers({ now: T0 })
    const backend = createBackend()
    backend.answer({ status: 503 }, { throws: new TypeError('offline') })
    const widget = pullWidget()
    const manager = createTokenManager({ endpoint: ENDPOINT, widget: widget.adapter, fetch: backend.fetch, random: () => 1 })
    await manager.start()
    const token = widget.ask()
    await vi.advanceTimersByTimeAsync(3000)

    expect(await token).toBe(backend.issued[0])
    expect(backend.requests).toHaveLength(3)
    manager.stop()
  })

  it('are refused when the session has ended', async () => {
    vi.useFakeTimers({ now: T0 })
    const backend = createBackend()
    backend.answer({ status: 401 })
    const ended = vi.fn()
    const widget = pullWidget({ ended })
    const manager = createTokenManager({ endpoint: ENDPOINT, widget: widget.adapter, fetch: backend.fetch })
    await manager.start()

    await expect(widget.ask()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(ended).toHaveBeenCalledWith(expect.objectContaining({ code: 'unauthorized' }))
    await expect(widget.ask()).rejects.toMatchObject({ name: 'InvalidStateError' })
  })

  it('may check a credential that is not a JWT themselves', async () => {
    vi.useFakeTimers({ now: T0 })
    const codes = ['code-1', 'not-allowed']
    const inspect = vi.fn((credential: string, { sentAt }: InspectOptions) => {
      if (!credential.startsWith('code-')) throw new WidgetTokenError('malformed_token', 'not an authorization code')
      return { issuedAt: sentAt, expiresAt: sentAt + 60_000, lifetimeMs: 60_000, bytes: credential.length, skewMs: undefined }
    })
    const widget = pullWidget({ inspect })
    const manager = createTokenManager({ widget: widget.adapter, fetchToken: async () => ({ token: codes.shift()! }) })
    const errors = vi.fn()
    manager.on('error', errors)
    await manager.start()

    expect(await widget.ask()).toBe('code-1')
    widget.ask().catch(() => {})
    await vi.advanceTimersByTimeAsync(0)
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'malformed_token', retryable: true }))
    manager.stop()
  })

  it('know when their token runs out and are woken by no timer', async () => {
    const { manager, host } = withHost({ apply: null })
    await manager.start()
    await host().token()
    expect(manager.expiresAt).toBe(T0 + 30 * MINUTE)
    expect(sdkTimerCount()).toBe(0)
  })

  it('after refusing a token, get the next one when they ask again, not before', async () => {
    const { manager, host, fetchToken } = withHost({ apply: null })
    const reasons: string[] = []
    manager.on('token', (event) => reasons.push(event.reason))
    const errors: WidgetTokenError[] = []
    manager.on('error', (error) => errors.push(error))
    await manager.start()
    await host().token()
    host().refused(new Error('invalid_grant'))
    expect(errors[0]).toMatchObject({ code: 'widget_rejected', message: 'widget-token: widget_rejected: refused', retryInMs: 1000 })
    expect(errors[0]?.cause).toMatchObject({ message: 'invalid_grant' })

    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetchToken).toHaveBeenCalledTimes(1)
    await host().token()
    expect(fetchToken).toHaveBeenCalledTimes(2)
    expect(reasons).toEqual(['start', 'refused'])
  })

  it('tells when a widget that refused a token will get the next one', async () => {
    vi.useFakeTimers({ now: T0 })
    let host!: WidgetHost
    const manager = createTokenManager({ fetchToken: async () => ({ token: freshToken() }), widget: { attach: (newHost) => ((host = newHost), () => {}) }, random: () => 1 })
    const errors = vi.fn()
    manager.on('error', errors)
    await manager.start()
    await host.token()
    host.refused(new Error('invalid_grant'))
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'widget_rejected', retryInMs: 1000 }))

    const next = vi.fn()
    void host.token().then(next)
    await vi.advanceTimersByTimeAsync(999)
    expect(next).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(next).toHaveBeenCalledTimes(1)
    manager.stop()
  })
})
