// The "Testing your page" guide's recipes (docs/testing.md), as written there.
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createTokenManager } from 'widget-token'
import { createFakeBackend, createFakeWidget, unsignedToken } from 'widget-token/testing'

beforeEach(() => vi.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') }))
afterEach(() => vi.useRealTimers())

it('keeps the chat signed in through a backend outage', async () => {
  const backend = createFakeBackend({ lifetimeSeconds: 600 })
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  await manager.start()
  expect(widget.current?.first).toBe(true)

  backend.fail('server_error', { times: 3 })
  await vi.advanceTimersByTimeAsync(10 * 60_000) // past the planned refresh and its retries

  expect(widget.current?.token).toBe(backend.issued.at(-1))
  expect(manager.state).toBe('active')
  manager.stop()
})

it('sends the visitor to sign in when the portal session ends', async () => {
  const backend = createFakeBackend()
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  const signIn = vi.fn()
  manager.on('ended', signIn)
  backend.fail('unauthorized')

  await expect(manager.start()).rejects.toMatchObject({ code: 'unauthorized' })
  expect(signIn).toHaveBeenCalledOnce()
  expect(widget.received).toHaveLength(0)
})

it('works where the environment has no Response or TextEncoder (Jest with jsdom)', async () => {
  vi.stubGlobal('Response', undefined)
  vi.stubGlobal('TextEncoder', undefined)
  const backend = createFakeBackend({ lifetimeSeconds: 600, claims: { name: 'Zoë' } })
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  backend.fail('rate_limited', { retryAfterSeconds: 5 })
  manager.start().catch(() => {})
  await vi.advanceTimersByTimeAsync(10_000)

  expect(widget.current?.claims).toMatchObject({ name: 'Zoë', sub: 'test-visitor' })
  expect(unsignedToken({ claims: { name: 'Zoë' } }).split('.')).toHaveLength(3)
  manager.stop()
})
