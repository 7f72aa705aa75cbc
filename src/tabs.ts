import type { TokenResponse } from './source'

/** What a manager holds while it shares tokens with the other tabs of the browser. */
export interface TabLink {
  /**
   * Runs `request` holding the browser-wide lock and shares what it gets. Resolves instead with a
   * token another tab shared while this one waited for the lock, marked `shared`.
   */
  request(request: () => Promise<TokenResponse>, signal: AbortSignal): Promise<TokenResponse>
  close(): void
}

/**
 * Joins the tabs that use the same backend and audience (`key`). `adopt` receives the tokens the
 * other tabs obtain while this one is not waiting for one itself.
 */
export type TabSync = (key: string, adopt: (response: TokenResponse) => void) => TabLink

export interface ShareAcrossTabsOptions {
  /** How long a tab waits for another tab's refresh before it refreshes on its own. Default 10 s. */
  lockTimeoutMs?: number
  /** The Web Locks API. Default: `navigator.locks`. */
  locks?: LockManager | null | undefined
  /** Opens the channel tabs talk over. Default: `BroadcastChannel`. */
  channel?: ((name: string) => BroadcastChannel) | undefined
}

interface SharedMessage {
  token: string
  expiresIn?: number | undefined
}

/**
 * One token request per browser instead of one per tab: the tab whose refresh comes first takes a
 * Web Lock, asks the backend and shares the token over `BroadcastChannel`; the others adopt it.
 * Nothing is written to storage. Without Web Locks or `BroadcastChannel` each tab works alone.
 *
 * @example
 * import { shareAcrossTabs } from 'widget-token/tabs'
 * createTokenManager({ endpoint, widget, tabs: shareAcrossTabs() })
 */
export function shareAcrossTabs({
  lockTimeoutMs = 10_000,
  locks = globalThis.navigator?.locks,
  channel = typeof BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : undefined,
}: ShareAcrossTabsOptions = {}): TabSync {
  return (key, adopt) => {
    if (!locks || !channel) return { request: (request) => request(), close() {} }
    const name = `widget-token ${key}`
    const broadcast = channel(name)
    let waiting = 0
    // Held only while a request of this tab waits, so no token lingers in memory.
    let sharedMeanwhile: SharedMessage | undefined
    let onShared: (() => void) | undefined

    broadcast.onmessage = ({ data }: MessageEvent<SharedMessage>) => {
      if (typeof data?.token !== 'string') return
      if (waiting === 0) return adopt({ token: data.token, expiresIn: data.expiresIn, shared: true })
      sharedMeanwhile = data
      onShared?.()
    }

    const takeShared = (): TokenResponse | undefined => {
      const shared = sharedMeanwhile
      sharedMeanwhile = undefined
      return shared && { token: shared.token, expiresIn: shared.expiresIn, shared: true }
    }

    const fetchAndShare = async (request: () => Promise<TokenResponse>): Promise<TokenResponse> => {
      const response = takeShared() ?? (await request())
      if (!response.shared) broadcast.postMessage({ token: response.token, expiresIn: response.expiresIn } satisfies SharedMessage)
      return response
    }

    // The lock passes to the next tab before that tab has the previous holder's message:
    // a tab that had to wait gives the message a moment to arrive before asking the backend.
    const awaitShared = (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const done = () => {
          globalThis.clearTimeout(timer)
          signal.removeEventListener('abort', done)
          onShared = undefined
          resolve()
        }
        const timer = globalThis.setTimeout(done, MESSAGE_GRACE_MS)
        signal.addEventListener('abort', done)
        onShared = done
        if (sharedMeanwhile) done()
      })

    return {
      async request(request, signal) {
        waiting++
        try {
          const free = await locks.request(name, { ifAvailable: true }, (lock) => lock && fetchAndShare(request))
          if (free) return free
          return await waitForLock(locks, name, lockTimeoutMs, signal, async (acquired) => {
            if (acquired) await awaitShared(signal)
            if (signal.aborted) throw signal.reason
            return fetchAndShare(request)
          })
        } finally {
          if (--waiting === 0) sharedMeanwhile = undefined
        }
      },
      close: () => broadcast.close(),
    }
  }
}

const MESSAGE_GRACE_MS = 1000

/** Runs `critical` under the lock, or without it once `timeoutMs` have passed. */
async function waitForLock<T>(
  locks: LockManager,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
  critical: (acquired: boolean) => Promise<T>,
): Promise<T> {
  let acquired = false
  // A lock that is never released must not stall this tab: past the wait it goes alone.
  const wait = new AbortController()
  const giveUp = () => wait.abort()
  const timer = globalThis.setTimeout(giveUp, timeoutMs)
  signal.addEventListener('abort', giveUp)
  try {
    return await locks.request(name, { signal: wait.signal }, () => {
      acquired = true
      globalThis.clearTimeout(timer)
      return critical(true)
    })
  } catch (error) {
    if (acquired || signal.aborted) throw signal.aborted ? signal.reason : error
    return await critical(false)
  } finally {
    globalThis.clearTimeout(timer)
    signal.removeEventListener('abort', giveUp)
  }
}
