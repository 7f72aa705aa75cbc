import { afterEach, vi } from 'vitest'
import { createTokenManager, genWidget, type EndpointOptions, type Events, type FetchToken, type GenConfig, type TokenManager, type TokenManagerOptions } from '../../src'
import { createBackend, type Backend, type BackendOptions } from './backend'
import { ORG_ID } from './jwt'
import { createFakeGen, type FakeGen } from './widget'

export const ENDPOINT = '/api/v1/embedded-cx/token'
export const REFRESH_ENDPOINT = '/api/v1/embedded-cx/token/refresh'
export const T0 = new Date('2026-03-02T09:00:00Z').getTime()
export const MINUTE = 60_000

export const genConfig: GenConfig = {
  organization: { id: ORG_ID, region: 'mypurecloud.com' },
  settings: { routing: { queueId: 'messaging-queue' } },
}

export type Recorded = { [K in keyof Events]: { type: K; event: Events[K] } }[keyof Events]

export type HarnessOptions = Partial<Omit<EndpointOptions, 'fetchToken'>> & { fetchToken?: FetchToken } & BackendOptions

export interface Harness {
  manager: TokenManager
  backend: Backend
  widget: FakeGen
  /** Every event the manager emitted, in order. */
  events: Recorded[]
  of<K extends keyof Events>(type: K): Events[K][]
}

// The managers the tests made through these helpers, to stop once each test is over.
const running = new Set<TokenManager>()

/** Stops `manager` once the test is over, whatever became of it (with {@link cleanUpManagers}). */
export function stopAfterTest<M extends TokenManager>(manager: M): M {
  running.add(manager)
  return manager
}

/**
 * The cleanup of a file of manager tests: after each test, every manager it made through these
 * helpers stops while the fake timers it armed are still there to clear, then real time is back.
 */
export function cleanUpManagers(): void {
  afterEach(() => {
    for (const manager of running) manager.stop()
    running.clear()
    vi.useRealTimers()
  })
}

/** A manager wired to a fake backend and a fake gen widget, on fake time starting at T0. */
export function createHarness(options: HarnessOptions = {}): Harness {
  vi.useFakeTimers({ now: T0 })
  const backend = createBackend(options)
  const widget = createFakeGen({ serverAheadMs: options.serverAheadMs })
  const { fetchToken, ...rest } = options
  const source = fetchToken ? { fetchToken } : { endpoint: ENDPOINT, refreshEndpoint: REFRESH_ENDPOINT, fetch: backend.fetch }
  const manager = createTokenManager({
    widget: genWidget({ config: genConfig, gen: widget.gen }),
    random: () => 1,
    ...source,
    ...rest,
  } as TokenManagerOptions)
  stopAfterTest(manager)
  const events: Recorded[] = []
  for (const type of ['token', 'expired', 'error', 'ended', 'warning'] as const) {
    manager.on(type, (event) => events.push({ type, event } as Recorded))
  }
  const of = <K extends keyof Events>(type: K) =>
    events.filter((entry) => entry.type === type).map((entry) => entry.event as Events[K])
  return { manager, backend, widget, events, of }
}

/** Lets pending promises settle without moving time. */
export const settle = () => vi.advanceTimersByTimeAsync(0)

/** Moves the wall clock as a sleeping device does: no timer runs meanwhile. */
export function sleepDevice(ms: number): void {
  vi.setSystemTime(Date.now() + ms)
}

export function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state })
  document.dispatchEvent(new Event('visibilitychange'))
}

/** Each page event after which timers may have stalled, and the signal the SDK reads from it. */
export const PAGE_RETURNS = [
  ['a tab shown again', () => setVisibility('visible'), 'visible'],
  ['a focused window', () => window.dispatchEvent(new Event('focus')), 'visible'],
  ['a resumed frozen tab', () => document.dispatchEvent(new Event('resume')), 'resume'],
  ['a page restored from the back/forward cache', () => window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })), 'resume'],
  ['a network that came back', () => window.dispatchEvent(new Event('online')), 'online'],
] as const
