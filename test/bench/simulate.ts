import { vi } from 'vitest'
import { createTokenManager, genWidget, type Clock } from '../../src'
import { shareAcrossTabs } from '../../src/tabs'
import { createBackend } from '../helpers/backend'
import { createFakeLocks } from '../helpers/locks'
import { ENDPOINT, genConfig, T0 } from '../helpers/setup'
import { createFakeGen } from '../helpers/widget'

const HOUR = 3_600_000

/** Timers the SDK arms that fire while a page sits idle for an hour with a 30-minute token. */
export async function wakeUpsPerIdleHour(): Promise<number> {
  vi.useFakeTimers({ now: T0 })
  let fired = 0
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (callback, delayMs) => setTimeout(() => (fired++, callback()), delayMs),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  }
  const backend = createBackend({ ttlSeconds: 1800 })
  const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, clock, widget: genWidget({ config: genConfig, gen: createFakeGen().gen }) })
  await manager.start()
  await vi.advanceTimersByTimeAsync(HOUR)
  manager.stop()
  vi.useRealTimers()
  return fired
}

/** BroadcastChannel delivers on the real event loop, outside fake time. */
async function deliver() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Token requests per token lifetime for `tabs` tabs open over `lifetimes` lifetimes. */
export async function requestsPerLifetime(tabs: number, share: boolean, lifetimes = 6): Promise<number> {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  const ttlSeconds = 600
  const backend = createBackend({ ttlSeconds })
  const { locks } = createFakeLocks()
  const managers = Array.from({ length: tabs }, () =>
    createTokenManager({
      endpoint: ENDPOINT,
      fetch: backend.fetch,
      widget: genWidget({ config: genConfig, gen: createFakeGen().gen }),
      ...(share ? { tabs: shareAcrossTabs({ locks }) } : {}),
    }),
  )
  await Promise.all(managers.map((manager) => manager.start()))
  await deliver()
  const afterStart = backend.requests.length
  for (let step = 0; step < lifetimes * 60; step++) {
    await vi.advanceTimersByTimeAsync((ttlSeconds * 1000) / 60)
    await deliver()
  }
  for (const manager of managers) manager.stop()
  vi.useRealTimers()
  return (backend.requests.length - afterStart) / lifetimes
}

/** Token requests caused by `count` disconnects arriving at once. */
export async function requestsForDisconnectBurst(count: number): Promise<number> {
  vi.useFakeTimers({ now: T0 })
  const backend = createBackend()
  const widget = createFakeGen()
  const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: genWidget({ config: genConfig, gen: widget.gen }) })
  await manager.start()
  await vi.advanceTimersByTimeAsync(60_000)
  widget.disconnect(count)
  await vi.advanceTimersByTimeAsync(1000)
  manager.stop()
  vi.useRealTimers()
  return backend.requests.length - 1
}
