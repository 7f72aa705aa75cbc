/**
 * Tunes tab sharing (`shareAcrossTabs`): one token request per lifetime for all the tabs of a browser,
 * through Web Locks and a `BroadcastChannel`. Sharing is on by default; import this only to change it.
 *
 * @module
 */
import { afterOrAbort, systemClock, type Clock } from './clock'
import type { TokenResponse } from './source'

/** What a session holds while it shares tokens with the other tabs of the browser. */
export interface TabLink {
  /**
   * Runs `request` holding the browser-wide lock and shares what it gets. Resolves instead with a
   * token another tab holds or shares meanwhile, marked `shared`. With `askTabs` (the session's first
   * token, or a refresh this tab's stalled timers made late) it asks the open tabs for a newer token
   * than its own before asking the backend.
   */
  request(request: () => Promise<TokenResponse>, signal: AbortSignal, askTabs: boolean): Promise<TokenResponse>
  /** Tells the other tabs that the portal session is gone, so that they end too. */
  signOut(): void
  close(): void
}

export interface TabListener {
  /** A token another tab obtained while this one was not waiting for one. */
  adopt(response: TokenResponse): void
  /** Another tab learnt that the portal session is gone. */
  signedOut(): void
}

/** Joins the tabs that share one credential, named by `key`; time is read from the manager's `clock`. */
export type TabSync = (key: string, listener: TabListener, clock?: Clock) => TabLink

export interface ShareAcrossTabsOptions {
  /** How long a tab waits for another tab's refresh before it refreshes on its own. Default 10 s. */
  lockTimeoutMs?: number
  /** The Web Locks API. Default: `navigator.locks`. */
  locks?: LockManager | null | undefined
  /** Opens the channel tabs talk over. Default: `BroadcastChannel`. */
  channel?: ((name: string) => BroadcastChannel) | undefined
}

type Message =
  /**
   * A token, freshly obtained (`reply` unset) or handed to a tab that asked (`reply` set), with the
   * lifetime it had when it was sent (`at`, epoch ms: the tabs of one browser share its clock).
   */
  | { type: 'token'; token: string; expiresIn?: number | undefined; at: number; reply?: true }
  | { type: 'ask' }
  | { type: 'signed-out' }

/** How long a new tab waits for an open tab to hand over its token before it asks the backend. */
export const ASK_MS = 100
/**
 * How long a tab keeps the lock after its request. A message reaches the other tabs a little after it
 * is sent; a tab whose refresh falls due meanwhile must find the lock taken and wait for the token,
 * or for the sign-out, not find it free and ask the backend again.
 */
const DELIVERY_MS = 1000

/**
 * One token request per browser instead of one per tab: the tab whose refresh comes first takes a
 * Web Lock, asks the backend and shares the token over `BroadcastChannel`; the others adopt it, and
 * a new tab takes the current one from an open tab. Nothing is written to storage; each tab keeps
 * its current token in memory to hand it over. Without Web Locks or `BroadcastChannel` each tab
 * works alone.
 *
 * @example
 * import { shareAcrossTabs } from 'widget-token/tabs'
 * createTokenManager({ endpoint, widget, tabs: shareAcrossTabs({ lockTimeoutMs: 5000 }) })
 */
export function shareAcrossTabs({
  lockTimeoutMs = 10_000,
  locks = globalThis.navigator?.locks,
  channel = typeof BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : undefined,
}: ShareAcrossTabsOptions = {}): TabSync {
  return (key, listener, clock = systemClock) => {
    if (!locks || !channel) return { request: (request) => request(), signOut() {}, close() {} }
    const name = `widget-token ${key}`
    const broadcast = channel(name)
    const post = (message: Message) => broadcast.postMessage(message)
    let waiting = 0
    // Whether this tab ever asked the open tabs: one that never did wants no token yet.
    let asked = false
    // Held only while a request of this tab waits.
    let sharedMeanwhile: TokenResponse | undefined
    let onShared: (() => void) | undefined
    // Ends this tab's hold on the lock after its request: its own next request must not wait for it.
    let releaseEarly: (() => void) | undefined
    // What this tab holds, to hand to a tab that asks, and when that runs out (NaN: unknown) on the
    // wall clock, the clock the messages' `at` is read on, so that a jump of it moves both alike.
    let heldToken: string | undefined
    let heldUntil = NaN

    const keep = ({ token, expiresIn = NaN }: TokenResponse) => {
      heldToken = token
      heldUntil = clock.now() + expiresIn * 1000
    }
    /** Seconds left of the held token. */
    const left = () => (heldUntil - clock.now()) / 1000
    const after = (signal: AbortSignal, delayMs: number, fire: () => void) => afterOrAbort(signal, delayMs, fire, clock)

    broadcast.onmessage = ({ data }: MessageEvent<Message>) => {
      if (data?.type === 'signed-out') return listener.signedOut()
      if (data?.type === 'ask') return void (left() > 0 && post({ type: 'token', token: heldToken!, expiresIn: left(), at: clock.now(), reply: true }))
      if (data?.type !== 'token' || typeof data.token !== 'string') return
      // A frozen tab gets its messages late: what is left is counted from when they were sent.
      const expiresIn = data.expiresIn && data.expiresIn - Math.max(0, clock.now() - data.at) / 1000
      // A reply answers the tab that asked, and any tab holding an older token than the reply's (it
      // missed that one), never one that holds none and never asked.
      const replyNotForThisTab = data.reply && ((!asked && !heldToken) || data.token === heldToken)
      // Messages that waited while the tab was frozen come late and may be old. (An untold lifetime compares false.)
      const ranOut = expiresIn! <= 0
      const olderThanHeld = left() > expiresIn!
      if (replyNotForThisTab || ranOut || olderThanHeld) return
      const response = { token: data.token, expiresIn, shared: true }
      keep(response)
      if (waiting === 0) return listener.adopt(response)
      sharedMeanwhile = response
      onShared?.()
    }

    const takeShared = (): TokenResponse | undefined => {
      const shared = sharedMeanwhile
      sharedMeanwhile = undefined
      return shared
    }

    /** Asks the open tabs for the token they hold: resolves with the first answer, or with none after ASK_MS. */
    const askOpenTabs = (signal: AbortSignal) =>
      new Promise<TokenResponse | undefined>((resolve) => {
        const done = () => {
          cancel()
          onShared = undefined
          resolve(takeShared())
        }
        const cancel = after(signal, ASK_MS, done)
        onShared = done
        asked = true
        post({ type: 'ask' })
      })

    /**
     * Runs `critical` holding the lock and settles with its outcome at once; the lock itself is kept
     * until that outcome has had time to reach the other tabs: the token, or the sign-out that
     * follows a 401.
     */
    const underLock = (lockSignal: AbortSignal, signal: AbortSignal, critical: () => Promise<TokenResponse>) =>
      new Promise<TokenResponse>((resolve, reject) => {
        locks
          .request(name, { signal: lockSignal }, async () => {
            await critical().then(resolve, reject)
            // A tab that stopped lets go at once: its answer, if any, went out before.
            if (signal.aborted) return
            await new Promise<void>((delivered) => {
              const cancel = after(signal, DELIVERY_MS, delivered)
              releaseEarly = () => (cancel(), delivered())
            })
          })
          .catch(reject)
      })

    return {
      async request(request, signal, askTabs) {
        const fetchAndShare = async () => {
          const response = takeShared() ?? (await request())
          keep(response)
          if (!response.shared) post({ type: 'token', token: response.token, expiresIn: response.expiresIn, at: clock.now() })
          return response
        }
        releaseEarly?.()
        waiting++
        try {
          if (askTabs) {
            const handed = await askOpenTabs(signal)
            if (handed) return handed
            // Stopped while it asked: no lock for a session that is over.
            signal.throwIfAborted()
          }
          // Another tab's token ends the wait; a lock that is never released must not stall this tab.
          let acquired = false
          const wait = new AbortController()
          const giveUp = () => wait.abort()
          const stopWaiting = after(signal, lockTimeoutMs, giveUp)
          onShared = giveUp
          try {
            const acquire = () => {
              acquired = true
              return fetchAndShare()
            }
            return await underLock(wait.signal, signal, acquire)
          } catch (error) {
            if (acquired || signal.aborted) throw signal.aborted ? signal.reason : error
            return await fetchAndShare()
          } finally {
            onShared = undefined
            stopWaiting()
          }
        } finally {
          if (--waiting === 0) sharedMeanwhile = undefined
        }
      },
      signOut: () => post({ type: 'signed-out' }),
      close() {
        heldToken = undefined
        broadcast.close()
      },
    }
  }
}
