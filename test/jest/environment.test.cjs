// The testing guide (docs/testing.md) says the fakes need neither `Response` nor `TextEncoder`, which Jest's jsdom
// environment lacks: both halves of that sentence, checked where users run it.
const { createTokenManager } = require('widget-token')
const { createFakeBackend, createFakeWidget } = require('widget-token/testing')

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') }))
afterEach(() => jest.useRealTimers())

it('runs in an environment without Response or TextEncoder', () => {
  expect(typeof window).toBe('object')
  expect(typeof Response).toBe('undefined')
  expect(typeof TextEncoder).toBe('undefined')
})

it('starts the widget, waits out a rate limit and keeps non-ASCII claims intact', async () => {
  const backend = createFakeBackend({ lifetimeSeconds: 600, claims: { name: 'Zoë' } })
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  const errors = []
  manager.on('error', (error) => errors.push(error.code))
  backend.fail('rate_limited', { retryAfterSeconds: 5 })
  manager.start().catch(() => {})

  await jest.advanceTimersByTimeAsync(4_000)
  expect(widget.received).toHaveLength(0)
  await jest.advanceTimersByTimeAsync(2_000)

  expect(errors).toEqual(['rate_limited'])
  expect(widget.current?.claims).toMatchObject({ name: 'Zoë', sub: 'test-visitor' })
  expect(manager.state).toBe('active')
  manager.stop()
})

it('ends the session on a 401 read from the fake response', async () => {
  const backend = createFakeBackend()
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  const signIn = jest.fn()
  manager.on('ended', signIn)
  backend.fail('unauthorized')

  await expect(manager.start()).rejects.toMatchObject({ code: 'unauthorized' })
  expect(signIn).toHaveBeenCalledTimes(1)
  expect(widget.received).toHaveLength(0)
})

