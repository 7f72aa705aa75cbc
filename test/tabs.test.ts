import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type Clock, type Events, type TokenManager, type Trail, type WidgetAdapter, type WidgetHost } from '../src'
import { ASK_MS, shareAcrossTabs } from '../src/tabs'
import { createBackend, type Backend } from './helpers/backend'
import { createFreezer } from './helpers/freeze'
import { createFakeLocks } from './helpers/locks'
import { ENDPOINT, genConfig, MINUTE, T0 } from './helpers/setup'
import { sdkTimerCount } from './helpers/widget'
import { createFakeGen, type FakeGen } from './helpers/widget'
import { jwt, ORG_ID } from './helpers/jwt'

interface Tab {
  manager: TokenManager
  widget: FakeGen
  tokens: Array<Events['token']>
  errors: Array<Events['error']>
  ended: number
}

let backend: Backend
let fakeLocks: ReturnType<typeof createFakeLocks>
let tabs: Tab[]

/** BroadcastChannel delivers on the real event loop, outside fake time. */
async function deliver() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Starts each tab in turn, as tabs opened one after another do. */
async function startInTurn(...opened: Tab[]) {
  for (const tab of opened) {
    const started = tab.manager.start()
    await advance(ASK_MS)
    await started
  }
}

async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms)
  await deliver()
  await vi.advanceTimersByTimeAsync(0)
}

const CHANNEL = `widget-token ${ENDPOINT} ${ENDPOINT} ${genConfig.organization.id}`

function openTab(options: Parameters<typeof shareAcrossTabs>[0] = {}, clock?: Clock, log?: Trail): Tab {
  const widget = createFakeGen(clock && { clock })
  const manager = createTokenManager({
    endpoint: ENDPOINT,
    widget: genWidget({ config: genConfig, gen: widget.gen }),
    fetch: backend.fetch,
    random: () => 1,
    tabs: shareAcrossTabs({ locks: fakeLocks.locks, ...options }),
    ...(clock && { clock }),
    ...(log && { log }),
  })
  const tab: Tab = { manager, widget, tokens: [], errors: [], ended: 0 }
  manager.on('token', (event) => tab.tokens.push(event))
  manager.on('error', (error) => tab.errors.push(error))
  manager.on('ended', () => tab.ended++)
  tabs.push(tab)
  return tab
}

/** A tab the browser can freeze: see `createFreezer`. */
function openFreezableTab() {
  const freezer = createFreezer()
  return Object.assign(openTab({ channel: freezer.channel }, freezer.clock), { freeze: freezer.freeze, thaw: freezer.thaw })
}

/** Two tabs that have their first token, the second of them frozen from then on. */
async function withOneFrozen() {
  const a = openTab()
  const b = openFreezableTab()
  await startInTurn(a, b)
  b.freeze()
  return [a, b] as const
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] })
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
    await startInTurn(a, b, c)
    expect(backend.requests).toHaveLength(1)

    for (let lifetime = 1; lifetime <= 3; lifetime++) await advance(8 * MINUTE)

    expect(backend.requests).toHaveLength(4)
    for (const tab of [a, b, c]) {
      expect(tab.widget.token).toBe(backend.issued.at(-1))
      expect(tab.manager.state).toBe('active')
    }
    expect([b, c].flatMap((tab) => tab.tokens.map((event) => event.reason))).toContain('tab')
  })

  it.each([
    ['the page just loaded', 0],
    ['the clocks already minutes in', 5 * MINUTE],
  ])('hands a new tab the token an open tab holds, with what is left of its lifetime, %s', async (_, before) => {
    await advance(before)
    const a = openTab()
    await startInTurn(a)
    await advance(3 * MINUTE)
    const b = openTab()
    await startInTurn(b)

    expect(backend.requests).toHaveLength(1)
    expect(b.widget.token).toBe(backend.issued[0])
    expect(b.tokens).toEqual([expect.objectContaining({ reason: 'tab' })])
    expect(b.manager.expiresAt! - Date.now()).toBeLessThanOrEqual(7 * MINUTE)
    expect(b.manager.expiresAt! - Date.now()).toBeGreaterThan(7 * MINUTE - 1000)
    expect(a.tokens).toHaveLength(1)
  })

  it('asks the backend when no tab answers', async () => {
    const a = openTab()
    const started = a.manager.start()
    await advance(ASK_MS - 1)
    expect(backend.requests).toHaveLength(0)
    await advance(1)
    await started
    expect(backend.requests).toHaveLength(1)
  })

  it('adopts a token another tab obtained, with reason tab', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await a.manager.refresh()
    await advance(0)

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
    expect(b.tokens.at(-1)).toMatchObject({ reason: 'tab' })
  })

  it('sends a disconnected widget’s refresh through the same path', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await advance(MINUTE)
    b.widget.disconnect()
    await advance(0)

    expect(backend.requests).toHaveLength(2)
    expect(a.widget.token).toBe(backend.issued[1])
    expect(b.widget.token).toBe(backend.issued[1])
  })

  it('validates what it receives before its widget sees it', async () => {
    const [a] = [openTab()]
    await startInTurn(a)
    const stranger = new BroadcastChannel(CHANNEL)
    stranger.postMessage({ type: 'token', token: 'not-a-token' })
    await advance(0)
    stranger.close()

    expect(a.errors.map((error) => error.code)).toEqual(['malformed_token'])
    expect(a.widget.token).toBe(backend.issued[0])
  })

  it('ends every tab within a second when one learns that the portal session is gone', async () => {
    const [a, b, c] = [openTab(), openTab(), openTab()]
    await startInTurn(a, b, c)
    backend.answer({ status: 401 })
    await a.manager.refresh().catch(() => {})
    await advance(1000)

    for (const tab of [a, b, c]) {
      expect(tab.manager.state).toBe('ended')
      expect(tab.ended).toBe(1)
    }
    expect(b.errors.at(-1)).toMatchObject({ code: 'unauthorized' })
    expect(backend.requests).toHaveLength(2)
  })

  it('goes alone when the lock is never released', async () => {
    fakeLocks.holdForever(CHANNEL)
    const a = openTab({ lockTimeoutMs: 2000 })
    const started = a.manager.start()
    await advance(ASK_MS + 1999)
    expect(backend.requests).toHaveLength(0)
    await advance(1)
    await started
    expect(backend.requests).toHaveLength(1)
  })

  it('lets the others refresh when the tab holding the lock closes mid-request', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
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
    await startInTurn(a, b)
    await advance(8 * MINUTE)
    expect(setItem).not.toHaveBeenCalled()
  })
})

describe('what is shared', () => {
  function manager(options: Partial<Parameters<typeof createTokenManager>[0]> & { widget?: WidgetAdapter }) {
    const widget = createFakeGen()
    const created = createTokenManager({
      endpoint: ENDPOINT,
      fetch: backend.fetch,
      widget: genWidget({ config: genConfig, gen: widget.gen }),
      ...options,
    } as Parameters<typeof createTokenManager>[0])
    tabs.push({ manager: created, widget, tokens: [], errors: [], ended: 0 })
    return created
  }

  it('is on by default, keyed by endpoint, refresh endpoint and audience', async () => {
    vi.stubGlobal('navigator', { ...navigator, locks: fakeLocks.locks })
    const [a, b] = [manager({}), manager({})]
    await startInTurn(tabs[0]!, tabs[1]!)
    expect(backend.requests).toHaveLength(1)
    const other = manager({ refreshEndpoint: '/other/refresh' })
    await startInTurn(tabs[2]!)
    expect(backend.requests).toHaveLength(2)
    expect([a.state, b.state, other.state]).toEqual(['active', 'active', 'active'])
  })

  it('is off with tabs: false', async () => {
    vi.stubGlobal('navigator', { ...navigator, locks: fakeLocks.locks })
    manager({ tabs: false })
    manager({ tabs: false })
    await Promise.all(tabs.map((tab) => tab.manager.start()))
    expect(backend.requests).toHaveLength(2)
  })

  it('needs a tabKey for a fetchToken source, and shares under it', async () => {
    const fetchToken = async () => {
      const response = await backend.fetch(ENDPOINT)
      return (await response.json()) as { token: string; expiresIn: number }
    }
    const sharing = shareAcrossTabs({ locks: fakeLocks.locks })
    manager({ endpoint: undefined, fetchToken, tabs: sharing })
    manager({ endpoint: undefined, fetchToken, tabs: sharing })
    await startInTurn(tabs[0]!, tabs[1]!)
    expect(backend.requests).toHaveLength(2)

    manager({ endpoint: undefined, fetchToken, tabs: sharing, tabKey: 'crm' })
    manager({ endpoint: undefined, fetchToken, tabs: sharing, tabKey: 'crm' })
    await startInTurn(tabs[2]!, tabs[3]!)
    expect(backend.requests).toHaveLength(3)
  })

  it('leaves a widget that has not asked for a token alone when a new tab is handed one', async () => {
    const a = openTab()
    await startInTurn(a)
    const idle = manager({ tabs: shareAcrossTabs({ locks: fakeLocks.locks }), audience: ORG_ID, widget: { attach: () => () => {} } })
    const idleTokens: Array<Events['token']> = []
    idle.on('token', (event) => idleTokens.push(event))
    await idle.start()
    await startInTurn(openTab())

    expect(backend.requests).toHaveLength(1)
    expect(idleTokens).toEqual([])
  })

  it('never shares a single-use credential, nor hands one to two callers', async () => {
    let codes = 0
    const hosts: WidgetHost[] = []
    const singleUse = (): WidgetAdapter => ({
      singleUse: true,
      attach: (host) => (hosts.push(host), () => {}),
      inspect: (credential, { sentAt }) => ({ issuedAt: sentAt, expiresAt: sentAt + 60_000, lifetimeMs: 60_000, bytes: credential.length, skewMs: undefined }),
    })
    const fetchToken = async () => ({ token: `code-${++codes}` })
    const sharing = shareAcrossTabs({ locks: fakeLocks.locks })
    manager({ endpoint: undefined, fetchToken, tabs: sharing, tabKey: 'codes', widget: singleUse() })
    manager({ endpoint: undefined, fetchToken, tabs: sharing, tabKey: 'codes', widget: singleUse() })
    await Promise.all(tabs.map((tab) => tab.manager.start()))

    const answers = await Promise.all([hosts[0]!.token(), hosts[0]!.token(), hosts[1]!.token()])
    await advance(0)
    expect(new Set(answers).size).toBe(3)
    expect(codes).toBe(3)
  })
})

describe('sharing, edge by edge', () => {
  const fresh = (ttlSeconds = 600) => {
    const iat = Math.floor(Date.now() / 1000)
    return jwt({ aud: ORG_ID, iat, exp: iat + ttlSeconds })
  }

  it('costs the open tabs nothing when another tab opens', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    const c = openTab()
    await startInTurn(c)

    expect(backend.requests).toHaveLength(1)
    for (const tab of [a, b]) {
      expect(tab.tokens).toHaveLength(1)
      expect(tab.widget.gen.updateConfiguration).not.toHaveBeenCalled()
    }
    expect(c.widget.token).toBe(backend.issued[0])
  })

  it.each([
    ['that ran out a minute ago', 11 * MINUTE],
    ['that runs out as the tab opens', 10 * MINUTE],
  ])('never hands a new tab a token %s', async (_, openAfterMs) => {
    const a = openTab()
    await startInTurn(a)
    backend.answer(...Array(40).fill({ throws: new TypeError('Failed to fetch') }))
    await advance(openAfterMs)
    const b = openTab()
    b.manager.start().catch(() => {})
    await advance(ASK_MS)
    // a may be retrying right now, and keeps the lock a moment after its own try.
    await advance(1000)

    expect(b.errors.map((error) => error.code)).not.toContain('expired_token')
    expect(b.errors.map((error) => error.code)).toContain('network')
  })

  it('wakes only the tab that refreshes: the others plan a little later and take its token first', async () => {
    const requested: number[] = []
    const opened = [0, 1, 2].map((index) => openTab({}, undefined, (entry) => entry.step === 'request' && requested.push(index)))
    await startInTurn(...opened)
    // Long enough for another tab's timer to fire while the refresh is out, unless it waits its turn.
    backend.latencyMs = 500
    requested.length = 0
    const before = backend.requests.length
    await advance(50 * MINUTE)

    // Every refresh is one request, asked for by one tab: no other tab's timer fired for it.
    expect(backend.requests.length - before).toBeGreaterThanOrEqual(5)
    expect(requested).toHaveLength(backend.requests.length - before)
    expect(new Set(requested).size).toBe(1)
    for (const tab of opened) expect(tab.manager.state).toBe('active')
  })

  it('ignores messages that are not its own kind', async () => {
    const a = openTab()
    await startInTurn(a)
    const stranger = new BroadcastChannel(CHANNEL)
    for (const message of [null, { type: 'hello' }, { type: 'token', token: 42 }, { type: 'token' }]) stranger.postMessage(message)
    await advance(0)
    stranger.close()

    expect(a.errors).toEqual([])
    expect(a.tokens).toHaveLength(1)
    expect(a.manager.state).toBe('active')
  })

  it('asks the backend after a failed request even when another token went by meanwhile', async () => {
    const a = openTab()
    await startInTurn(a)
    backend.answer('hang')
    const refreshed = a.manager.refresh().catch(() => {})
    await advance(0)
    const stranger = new BroadcastChannel(CHANNEL)
    stranger.postMessage({ type: 'token', token: fresh(), expiresIn: 600, at: Date.now() })
    await advance(0)
    stranger.close()
    await advance(10_000)
    await refreshed
    await advance(1000)

    expect(a.errors.map((error) => error.code)).toEqual(['timeout'])
    expect(backend.requests).toHaveLength(3)
    expect(a.widget.token).toBe(backend.issued[1])
  })

  it('waits for the token of a tab that refreshed at the same time instead of asking again', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    const both = Promise.all([a.manager.refresh(), b.manager.refresh()])
    await advance(0)
    await advance(0)
    await both

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
  })

  it('takes the token of a tab that has just refreshed when its own refresh falls due before that token reached it', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await a.manager.refresh()
    // a has its new token and has posted it; the channel has not delivered it to b yet.
    const late = b.manager.refresh()
    await advance(1000)
    await late

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
    expect(b.tokens.at(-1)).toMatchObject({ reason: 'tab' })
  })

  it('takes the token another tab got while it was frozen past its refresh, without asking the backend', async () => {
    const [a, b] = await withOneFrozen()
    await advance(9 * MINUTE)
    expect(backend.requests).toHaveLength(2)
    b.thaw()
    await advance(ASK_MS)
    await advance(1000)

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
    expect(b.tokens.at(-1)).toMatchObject({ reason: 'tab' })
  })

  it('counts the tokens it hears down for the time they took, and keeps the newest, when it thaws', async () => {
    const [a, b] = await withOneFrozen()
    await advance(MINUTE)
    await a.manager.refresh()
    await advance(8 * MINUTE)
    expect(backend.requests).toHaveLength(3)
    await advance(MINUTE / 2)
    b.thaw()
    await advance(ASK_MS)
    await advance(1000)

    expect(backend.requests).toHaveLength(3)
    expect(b.widget.token).toBe(backend.issued[2])
    expect(Math.abs(b.manager.expiresAt! - a.manager.expiresAt!)).toBeLessThan(1000)
  })

  it('takes a token that waited while it was frozen with what is left of its lifetime', async () => {
    const [a, b] = await withOneFrozen()
    await advance(9 * MINUTE)
    a.manager.stop()
    await advance(3 * MINUTE)
    b.thaw()
    await advance(0)
    await advance(ASK_MS)

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
    // a refreshed 8 minutes in, for 10 minutes.
    expect(Math.abs(b.manager.expiresAt! - (T0 + 18 * MINUTE))).toBeLessThan(1000)
  })

  it('passes over a token that ran out while it was frozen', async () => {
    const [a, b] = await withOneFrozen()
    await advance(9 * MINUTE)
    a.manager.stop()
    // a refreshed 8 minutes in; that token runs out 10 minutes later, as b thaws.
    await advance(T0 + 18 * MINUTE - Date.now())
    b.thaw()
    await advance(0)
    await advance(ASK_MS)
    await advance(1000)

    expect(b.errors).toEqual([])
    expect(backend.requests).toHaveLength(3)
    expect(b.widget.token).toBe(backend.issued[2])
  })

  it('makes one request between tabs that slept past their refresh together, each widget getting it once', async () => {
    const [a, b] = [openFreezableTab(), openFreezableTab()]
    await startInTurn(a, b)
    a.freeze()
    b.freeze()
    await advance(9 * MINUTE)
    a.thaw()
    b.thaw()
    await advance(ASK_MS)
    await advance(1000)

    expect(backend.requests).toHaveLength(2)
    for (const tab of [a, b]) {
      expect(tab.widget.token).toBe(backend.issued[1])
      expect(tab.tokens).toHaveLength(2)
    }
  })

  it('takes no reply to its question but a newer token than its own', async () => {
    const b = openFreezableTab()
    await startInTurn(b)
    b.freeze()
    await advance(9 * MINUTE)
    const stranger = new BroadcastChannel(CHANNEL)
    stranger.onmessage = ({ data }) => {
      if (data.type !== 'ask') return
      // Its own token, counted a little longer by a tab that took it later, and a token with less left.
      stranger.postMessage({ type: 'token', token: backend.issued[0], expiresIn: 61, at: Date.now(), reply: true })
      stranger.postMessage({ type: 'token', token: fresh(30), expiresIn: 30, at: Date.now(), reply: true })
    }
    b.thaw()
    // The replies cross the channel before the question's time is up.
    await advance(0)
    await advance(ASK_MS)
    await advance(1000)
    stranger.close()

    expect(backend.requests).toHaveLength(2)
    expect(b.widget.token).toBe(backend.issued[1])
    expect(b.tokens.map((event) => event.reason)).toEqual(['start', 'resume'])
  })

  it('takes a newer token than its own from the answer to another tab’s question', async () => {
    const b = openTab()
    await startInTurn(b)
    const stranger = new BroadcastChannel(CHANNEL)
    const newer = fresh(700)
    stranger.postMessage({ type: 'token', token: newer, expiresIn: 700, at: Date.now(), reply: true })
    await advance(0)
    stranger.close()

    expect(b.widget.token).toBe(newer)
    expect(b.tokens.at(-1)).toMatchObject({ reason: 'tab' })
  })

  it('shares a token whose lifetime the backend does not tell, without a warning', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    const warnings: unknown[] = []
    b.manager.on('warning', (warning) => warnings.push(warning))
    backend.answer({ token: fresh(), expiresIn: undefined })
    await a.manager.refresh()
    await advance(0)

    expect(b.widget.token).toBe(backend.issued[1])
    expect(warnings).toEqual([])
  })

  it('hands a new tab no token whose lifetime it does not know', async () => {
    backend.answer({ token: fresh(), expiresIn: undefined })
    const a = openTab()
    await startInTurn(a)
    const b = openTab()
    const started = b.manager.start()
    await advance(ASK_MS + 1000)
    await started

    expect(backend.requests).toHaveLength(2)
    expect(b.tokens.map((event) => event.reason)).toEqual(['start'])
  })

  it.each([
    [0, ['token']],
    [1000, ['token']],
    [2000, ['token']],
    [2001, ['ask', 'token']],
  ])('asks the open tabs first only when its timers stood still longer than a hidden tab’s do: %i ms late', async (lateMs, said) => {
    const a = openFreezableTab()
    await startInTurn(a)
    const stranger = new BroadcastChannel(CHANNEL)
    const heard: Array<{ type: string }> = []
    stranger.onmessage = ({ data }) => heard.push(data)
    a.freeze()
    // Its refresh falls due 8 minutes after it asked the open tabs for its first token, ASK_MS ago.
    await advance(8 * MINUTE - ASK_MS + lateMs)
    a.thaw()
    await advance(ASK_MS)
    stranger.close()

    expect(backend.requests).toHaveLength(2)
    expect(heard.map((message) => message.type)).toEqual(said)
  })

  it('never takes the token handed to a new tab in place of the refresh it waits for', async () => {
    const [a, b, c] = [openTab(), openTab(), openTab()]
    await startInTurn(a, b, c)
    await advance(MINUTE)
    fakeLocks.holdForever(CHANNEL)
    const refreshed = a.manager.refresh()
    await advance(0)
    // A tab opens meanwhile; the open tabs answer its question with the token they hold.
    await startInTurn(openTab())
    await advance(10_000)
    await refreshed

    expect(backend.requests).toHaveLength(2)
    expect(a.widget.token).toBe(backend.issued[1])
    expect(a.tokens.at(-1)).toMatchObject({ reason: 'manual' })
  })

  it('passes on no token it took from another tab while it waited for the lock', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await advance(MINUTE)
    fakeLocks.holdForever(CHANNEL)
    const refreshed = a.manager.refresh()
    await advance(0)
    const stranger = new BroadcastChannel(CHANNEL)
    const heard: unknown[] = []
    stranger.onmessage = ({ data }) => heard.push(data)
    const token = fresh()
    stranger.postMessage({ type: 'token', token, expiresIn: 600, at: Date.now() })
    await advance(0)
    await refreshed
    await advance(1000)
    stranger.close()

    expect(a.widget.token).toBe(token)
    expect(b.tokens.filter((event) => event.reason === 'tab')).toHaveLength(2)
    expect(heard).toEqual([])
  })

  it('lets go of the lock at once, with no timer left, when stopped while its request is out', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await advance(MINUTE)
    backend.answer('hang')
    const refreshed = a.manager.refresh().catch(() => {})
    await advance(0)
    a.manager.stop()
    await refreshed
    await new Promise((resolve) => setImmediate(resolve))

    expect(sdkTimerCount()).toBe(1)
    const late = b.manager.refresh()
    await advance(0)
    await late
    expect(backend.requests).toHaveLength(3)
  })

  it('keeps no timer but its refresh timer once a refresh is over', async () => {
    const a = openTab()
    await startInTurn(a)
    await a.manager.refresh()
    await advance(2000)
    expect(sdkTimerCount()).toBe(1)
  })

  it('gives the backend a second after another tab’s failed request before a waiting tab asks', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    await advance(MINUTE)
    backend.answer({ status: 503 })
    const failed = a.manager.refresh().catch((error: unknown) => error)
    const waiting = b.manager.refresh()
    await advance(0)
    expect(await failed).toMatchObject({ code: 'http', status: 503 })
    await advance(990)
    expect(backend.requests).toHaveLength(2)
    await advance(10)
    await waiting

    expect(backend.requests).toHaveLength(3)
    expect(b.widget.token).toBe(backend.issued[1])
  })

  it('fails a refresh whose own request fails after it waited for the lock, and does not ask again without it', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    backend.answer({ status: 503 }, { status: 503 })
    const first = a.manager.refresh().catch((error: unknown) => error)
    const second = b.manager.refresh().catch((error: unknown) => error)
    await advance(0)
    await advance(1000)

    expect(await first).toMatchObject({ code: 'http', status: 503 })
    expect(await second).toMatchObject({ code: 'http', status: 503 })
  })

  it('does nothing more, and leaves no timer behind, when stopped while it asks the open tabs', async () => {
    const a = openTab()
    a.manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(ASK_MS / 2)
    a.manager.stop()
    expect(sdkTimerCount()).toBe(0)
    await advance(0)

    expect(sdkTimerCount()).toBe(0)
    expect(fakeLocks.granted).toBe(0)
  })

  it('leaves no timer behind when stopped while it waits for the lock', async () => {
    fakeLocks.holdForever(CHANNEL)
    const a = openTab()
    a.manager.start().catch(() => {})
    await advance(ASK_MS + 500)
    a.manager.stop()
    await advance(0)
    expect(sdkTimerCount()).toBe(0)
  })

  it('tells the other tabs why they ended', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    backend.answer({ status: 401 })
    await a.manager.refresh().catch(() => {})
    await advance(0)
    expect(b.errors.at(-1)).toMatchObject({ code: 'unauthorized', message: 'widget-token: unauthorized: signed out in another tab' })
  })

  it('keeps the other tabs running when one ends for another reason', async () => {
    const [a, b] = [openTab(), openTab()]
    await startInTurn(a, b)
    backend.answer({ status: 404 })
    await a.manager.refresh().catch(() => {})
    await advance(1000)
    expect(a.manager.state).toBe('ended')
    expect(b.manager.state).toBe('active')
  })

  it.each([
    ['navigator', 'Web Locks'],
    ['BroadcastChannel', 'BroadcastChannel'],
  ])('works alone by default where %s is missing', async (global) => {
    vi.stubGlobal('navigator', global === 'navigator' ? undefined : { locks: fakeLocks.locks })
    if (global === 'BroadcastChannel') vi.stubGlobal('BroadcastChannel', undefined)
    const widget = createFakeGen()
    const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: genWidget({ config: genConfig, gen: widget.gen }) })
    tabs.push({ manager, widget, tokens: [], errors: [], ended: 0 })
    await manager.start()
    expect(widget.token).toBe(backend.issued[0])
  })

  it('records no request in the trail of a tab that adopted another tab’s token', async () => {
    const trails: Array<Array<{ step: string }>> = [[], []]
    const [a, b] = [0, 1].map((index) => {
      const widget = createFakeGen()
      const manager = createTokenManager({
        endpoint: ENDPOINT,
        fetch: backend.fetch,
        widget: genWidget({ config: genConfig, gen: widget.gen }),
        tabs: shareAcrossTabs({ locks: fakeLocks.locks }),
        log: (entry) => trails[index]!.push(entry),
      })
      const tab: Tab = { manager, widget, tokens: [], errors: [], ended: 0 }
      manager.on('token', (event) => tab.tokens.push(event))
      tabs.push(tab)
      return tab
    }) as [Tab, Tab]
    await startInTurn(a, b)
    const [aBefore, bBefore] = [trails[0]!.length, trails[1]!.length]
    await a.manager.refresh()
    await advance(0)

    expect(b.tokens.map((event) => event.reason)).toEqual(['tab', 'tab'])
    expect(trails[1]!.slice(bBefore).filter((entry) => entry.step === 'request')).toEqual([])
    expect(trails[0]!.slice(aBefore).filter((entry) => entry.step === 'request')).toHaveLength(1)
  })
})
