// The testing guide's (docs/testing.md) "Testing your page" test, with Jest's modern fake timers as the guide shows them.
const { createTokenManager } = require('widget-token')
const { createFakeBackend, createFakeWidget } = require('widget-token/testing')

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') }))
afterEach(() => jest.useRealTimers())

it('keeps the chat signed in through a backend outage', async () => {
  const backend = createFakeBackend({ lifetimeSeconds: 600 })
  const widget = createFakeWidget()
  const manager = createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget })
  await manager.start()
  expect(widget.current?.first).toBe(true)

  backend.fail('server_error', { times: 3 })
  await jest.advanceTimersByTimeAsync(10 * 60_000) // past the planned refresh and its retries

  expect(widget.current?.token).toBe(backend.issued.at(-1))
  expect(manager.state).toBe('active')
  manager.stop()
})
