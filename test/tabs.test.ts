import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type Events, type TokenManager } from '../src'
import { shareAcrossTabs } from '../src/tabs'
import { createBackend, type Backend } from './helpers/backend'
import { createFakeLocks } from './helpers/locks'
import { ENDPOINT, genConfig, MINUTE, T0 } from './helpers/setup'
import { createFakeGen, type FakeGen } from './helpers/widget'

interface Tab {
  manager: TokenManager
  widget: FakeGen
  tokens: Array<Events['token']>
  errors: Array<Events['error']>
}

let backend: Backend
let fakeLocks: ReturnType<typeof createFakeLocks>
let tabs: Tab[]

/** BroadcastChannel delivers on the real event loop, outside fake time. */
async function deliver() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms)
  await deliver()
  await vi.advanceTimersByTimeAsync(0)
}

function openTab(options: Parameters<typeof shareAcrossTabs>[0] = {}): Tab {
  const widget = createFakeGen()
  const manager = createTokenManager({
    endpoint: ENDPOINT,
    widget: genWidget({ config: genConfig, gen: widget.gen }),
    fetch: backend.fetch,
    random: () => 1,
    tabs: shareAcrossTabs({ locks: fakeLocks.locks, ...options }),
  })
  const tab: Tab = { manager, widget, tokens: [], errors: [] }
  manager.on('token', (event) => tab.tokens.push(event))
  manager.on('error', (error) => tab.errors.push(error))
  tabs.push(tab)
  return tab
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  backend = createBackend({ ttlSeconds: 600 })
  fakeLocks = createFakeLocks()
  tabs = []
})

afterEach(() => {
  for (const tab of tabs) tab.manager.stop()
  vi.useRealTimers()
})

describe('sharing tokens across tabs', () => {
  it('makes one request per lifetime for three tabs, and every widget gets each token', async () => {
    const [a, b, c] = [openTab(), openTab(), openTab()]
    await Promise.all([a, b, c].map(async (tab) => tab.manager.start()))
    await deliver()
    expect(backend.requests).toHaveLength(1)

    for (let lifetime = 1; lifetime <= 3; lifetime++) await advance(8 * MINUTE)

    expect(backend.requests).toHaveLength(4)
    for (const tab of [a, b, c]) {
      expect(tab.widget.token).toBe(backend.issued.at(-1))
      expect(tab.manager.state).toBe('active')
    }
    expect([b, c].flatMap((tab) => tab.tokens.map((event) => event.reason))).toContain('tab')
  })

  it('adopts a token another tab obtained, with reason tab', async () => {
    const [a, b] = [openTab(), openTab()]
    await a.manager.start()
    await b.manager.start()
    await deliver()
    await a.manager.refresh()
    await advance(0)

    expect(backend.requests).toHaveLength(3)
    expect(b.widget.token).toBe(backend.issued[2])
    expect(b.tokens.at(-1)).toMatchObject({ reason: 'tab' })
  })

  it('sends a disconnected widget’s refresh through the same path', async () => {
    const [a, b] = [openTab(), openTab()]
    await Promise.all([a.manager.start(), b.manager.start()])
    await advance(MINUTE)
    b.widget.disconnect()
    await advance(0)

    expect(backend.requests).toHaveLength(2)
    expect(a.widget.token).toBe(backend.issued[1])
    expect(b.widget.token).toBe(backend.issued[1])
  })

  it('validates what it receives before its widget sees it', async () => {
    const [a] = [openTab()]
    await a.manager.start()
    const stranger = new BroadcastChannel(`widget-token ${ENDPOINT} ${genConfig.organization.id}`)
    stranger.postMessage({ token: 'not-a-token' })
    await advance(0)
    stranger.close()

    expect(a.errors.map((error) => error.code)).toEqual(['malformed_token'])
    expect(a.widget.token).toBe(backend.issued[0])
  })

  it('goes alone when the lock is never released', async () => {
    fakeLocks.holdForever(`widget-token ${ENDPOINT} ${genConfig.organization.id}`)
    const a = openTab({ lockTimeoutMs: 2000 })
    const started = a.manager.start()
    await advance(1999)
    expect(backend.requests).toHaveLength(0)
    await advance(1)
    await started
    expect(backend.requests).toHaveLength(1)
  })

  it('lets the others refresh when the tab holding the lock closes mid-request', async () => {
    const [a, b] = [openTab(), openTab()]
    await Promise.all([a.manager.start(), b.manager.start()])
    await deliver()
    backend.answer('hang')
    const hung = a.manager.refresh().catch(() => {})
    await advance(0)
    const refreshed = b.manager.refresh()
    await advance(0)
    a.manager.stop()
    await hung
    await advance(1000)
    await refreshed

    expect(backend.requests).toHaveLength(3)
    expect(b.widget.token).toBe(backend.issued[1])
  })

  it('works alone where Web Locks are missing', async () => {
    const [a, b] = [openTab({ locks: null }), openTab({ locks: null })]
    await Promise.all([a.manager.start(), b.manager.start()])
    await advance(8 * MINUTE)

    expect(backend.requests).toHaveLength(4)
  })

  it('writes nothing to storage', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const [a, b] = [openTab(), openTab()]
    await Promise.all([a.manager.start(), b.manager.start()])
    await advance(8 * MINUTE)
    expect(setItem).not.toHaveBeenCalled()
  })
})
