import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, WidgetTokenError, type InspectOptions, type WidgetAdapter, type WidgetHost } from '../src'
import { createBackend } from './helpers/backend'
import { ENDPOINT, MINUTE, T0 } from './helpers/setup'

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

afterEach(() => {
  vi.useRealTimers()
})

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
})
