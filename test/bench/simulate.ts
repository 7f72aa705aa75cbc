import { vi } from 'vitest'
import { createTokenManager, genWidget } from '../../src'
import { createBackend } from '../helpers/backend'
import { createFakeLocks } from '../helpers/locks'
import { ENDPOINT, genConfig, T0 } from '../helpers/setup'
import { createFakeGen } from '../helpers/widget'
import { installBroadcastChannel } from '../helpers/channel'

export const TAB_TOKEN_SECONDS = 600
export const TAB_LEEWAY_SECONDS = 120
/** A token is replaced this often: its lifetime less the leeway. */
export const REFRESH_CYCLE_MS = (TAB_TOKEN_SECONDS - TAB_LEEWAY_SECONDS) * 1000

export interface TabsCost {
  /** Token requests per refresh cycle, once every tab is open and settled. */
  perCycle: number
  /** The same requests per token lifetime: a token is replaced before it runs out, so 1.25 per cycle of one request. */
  perLifetime: number
  /** Timer callbacks and channel deliveries that ran per refresh cycle, across every tab: each is a wake-up of one tab. */
  wakeUpsPerCycle: number
}

/**
 * Token requests in steady state for `tabs` tabs of one browser, sharing (the default) or each alone
 * (`tabs: false`): the tabs open, `warmUpCycles` refresh cycles pass unmeasured, then requests are
 * counted over `cycles` more, so the edges of the window weigh nothing.
 */
export async function requestsInSteadyState(tabs: number, share: boolean, { warmUpCycles = 5, cycles = 50 } = {}): Promise<TabsCost> {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  // Every callback counts, the channel's deliveries included: the fake channel delivers through setTimeout.
  const fakeSetTimeout = globalThis.setTimeout
  let fired = 0
  globalThis.setTimeout = ((callback: () => void, delayMs?: number) => fakeSetTimeout(() => (fired++, callback()), delayMs)) as typeof setTimeout
  const restoreChannel = installBroadcastChannel()
  vi.stubGlobal('navigator', { ...globalThis.navigator, locks: createFakeLocks().locks })
  const backend = createBackend({ ttlSeconds: TAB_TOKEN_SECONDS })
  const fetch = withLatency(backend.fetch, () => fired--)
  const managers = Array.from({ length: tabs }, () =>
    createTokenManager({
      endpoint: ENDPOINT,
      fetch,
      leewaySeconds: TAB_LEEWAY_SECONDS,
      widget: genWidget({ config: genConfig, gen: createFakeGen().gen }),
      ...(share ? {} : { tabs: false as const }),
    }),
  )
  try {
    for (const manager of managers) {
      const started = manager.start()
      await vi.advanceTimersByTimeAsync(1000)
      await started
    }
    await vi.advanceTimersByTimeAsync(warmUpCycles * REFRESH_CYCLE_MS)
    const [before, firedBefore] = [backend.requests.length, fired]
    await vi.advanceTimersByTimeAsync(cycles * REFRESH_CYCLE_MS)
    const perCycle = (backend.requests.length - before) / cycles
    return { perCycle, perLifetime: (perCycle * TAB_TOKEN_SECONDS * 1000) / REFRESH_CYCLE_MS, wakeUpsPerCycle: (fired - firedBefore) / cycles }
  } finally {
    globalThis.setTimeout = fakeSetTimeout
    for (const manager of managers) manager.stop()
    restoreChannel()
    vi.unstubAllGlobals()
    vi.useRealTimers()
  }
}

/**
 * A network takes time, and never exactly the same time twice: 20 to 120 ms, from a fixed seed. The
 * answer is the network's, not a wake-up of the tab's timers: `uncount` takes its timer back out.
 */
function withLatency(fetch: typeof globalThis.fetch, uncount = () => {}): typeof globalThis.fetch {
  let seed = 0x9e3779b9
  const random = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return seed / 2 ** 32
  }
  return async (input, init) => {
    await new Promise((resolve) => setTimeout(() => (uncount(), resolve(undefined)), 20 + 100 * random()))
    return fetch(input, init)
  }
}

/** Token requests caused by `count` disconnects arriving at once. */
export async function requestsForDisconnectBurst(count: number): Promise<number> {
  vi.useFakeTimers({ now: T0 })
  const backend = createBackend()
  const widget = createFakeGen()
  const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, tabs: false, widget: genWidget({ config: genConfig, gen: widget.gen }) })
  await manager.start()
  await vi.advanceTimersByTimeAsync(60_000)
  widget.disconnect(count)
  await vi.advanceTimersByTimeAsync(1000)
  manager.stop()
  vi.useRealTimers()
  return backend.requests.length - 1
}
