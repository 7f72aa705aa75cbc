import { vi } from 'vitest'
import type { Clock, GenApi, GenConfig, GenDisconnect } from '../../src'

// Expiry timers of the fake widgets still waiting: they are the widgets', not the SDK's. Each is kept
// with the timer function that armed it: fake timers installed anew drop every earlier timer.
const widgetTimers = new Map<ReturnType<typeof setTimeout>, typeof setTimeout>()

/** Pending timers, leaving out the fake widgets' own expiry timers. */
export const sdkTimerCount = () => vi.getTimerCount() - [...widgetTimers.values()].filter((armedBy) => armedBy === globalThis.setTimeout).length

/**
 * A stand-in for the Embedded CX `gen` widget, as strict as the guide's: it disconnects when its
 * token's `exp` passes (`{ reason: 'expired' }`), and a disconnected widget ignores
 * `updateConfiguration` until `init` starts it again. It judges `exp` on the platform's clock,
 * `serverAheadMs` ahead of the device's, with the timers of `clock` (a frozen tab's widget waits
 * with it). It records what it is given.
 */
export function createFakeGen({
  serverAheadMs = 0,
  platformNow = () => Date.now() + serverAheadMs,
  clock = globalThis,
}: {
  serverAheadMs?: number | undefined
  /** The platform's clock, on which the widget's tokens run out. Default: the device's, `serverAheadMs` ahead. */
  platformNow?: () => number
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'> | undefined
} = {}) {
  const handlers = new Set<(detail?: GenDisconnect) => void>()
  const configs: GenConfig[] = []
  let connected = false
  let ignored = 0
  let expiry: ReturnType<typeof setTimeout> | undefined
  const tokenOf = (config: GenConfig | undefined) => (config?.settings?.authentication as { token?: string } | undefined)?.token
  const connect = (config: GenConfig) => {
    configs.push(config)
    connected = true
    cancelExpiry()
    const exp = expiryOf(tokenOf(config))
    if (exp === undefined) return
    expireAt(exp * 1000)
  }
  // Rechecked on every wake-up, and chained: setTimeout holds 32-bit delays only.
  const expireAt = (at: number) => {
    const timer: ReturnType<typeof setTimeout> = clock.setTimeout(() => {
      widgetTimers.delete(timer)
      if (platformNow() < at) expireAt(at)
      else drop({ reason: 'expired' })
    }, Math.min(at - platformNow(), 2 ** 31 - 1)) as ReturnType<typeof setTimeout>
    widgetTimers.set((expiry = timer), globalThis.setTimeout)
  }
  const cancelExpiry = () => {
    clock.clearTimeout(expiry)
    widgetTimers.delete(expiry!)
  }
  const drop = (detail?: GenDisconnect) => {
    cancelExpiry()
    connected = false
    for (const handler of [...handlers]) handler(detail)
  }
  const gen = {
    init: vi.fn((config: GenConfig) => connect(config)),
    updateConfiguration: vi.fn((config: GenConfig) => {
      if (connected) connect(config)
      else ignored++
    }) as ((config: GenConfig) => unknown) | undefined,
    on: vi.fn((_event: 'disconnected', handler: (detail?: GenDisconnect) => void) => {
      handlers.add(handler)
    }),
    off: vi.fn((_event: 'disconnected', handler: (detail?: GenDisconnect) => void) => {
      handlers.delete(handler)
    }),
  } satisfies GenApi
  return {
    gen,
    /** The token the widget holds: the one in the last configuration it took. */
    get token(): string | undefined {
      return tokenOf(configs.at(-1))
    },
    get connected() {
      return connected
    },
    /** Updates a disconnected widget ignored. */
    get ignored() {
      return ignored
    },
    get listeners() {
      return handlers.size
    },
    disconnect(times = 1) {
      for (let i = 0; i < times; i++) drop()
    },
    /** The page is gone, and the widget with it. */
    destroy() {
      cancelExpiry()
      handlers.clear()
    },
  }
}

/** The `exp` of a JWT; undefined for the opaque strings some adapter tests hand over. */
function expiryOf(token: string | undefined): number | undefined {
  try {
    const { exp } = JSON.parse(atob(token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
    return typeof exp === 'number' ? exp : undefined
  } catch {
    return undefined
  }
}

export type FakeGen = ReturnType<typeof createFakeGen>
