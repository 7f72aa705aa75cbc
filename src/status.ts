import type { WidgetTokenError } from './errors'
import type { TokenManager } from './manager'

/** What a page shows about its widget's token. */
export interface TokenStatus {
  /**
   * `idle` before the manager starts; `starting` until the first token reaches the widget;
   * `active` while the widget holds a valid token (refreshes included); `expired` when it ran out
   * and retries go on; `ended` when the portal session is gone.
   */
  state: 'idle' | 'starting' | 'active' | 'expired' | 'ended'
  /** When the widget's token runs out, epoch ms on the local clock. */
  expiresAt: number | undefined
  /** The latest failure; cleared when a token arrives. */
  error: WidgetTokenError | undefined
}

export const idleStatus: TokenStatus = { state: 'idle', expiresAt: undefined, error: undefined }

/**
 * Starts `manager` and reports its status after every event; returns what unsubscribes and stops it.
 * The start waits one microtask: a mount that is undone in the same tick (React StrictMode mounts,
 * unmounts and mounts again) then costs no request and never reaches the widget.
 */
export function follow(manager: TokenManager, report: (status: TokenStatus) => void): () => void {
  let status = idleStatus
  const update = (change: Partial<TokenStatus>) => report((status = { ...status, ...change }))
  const unsubscribes = [
    manager.on('token', ({ expiresAt }) => update({ state: 'active', expiresAt, error: undefined })),
    manager.on('expired', () => update({ state: 'expired' })),
    manager.on('error', (error) => update({ error })),
    manager.on('ended', ({ error }) => update({ state: 'ended', error })),
  ]
  let stopped = false
  queueMicrotask(() => {
    if (stopped) return
    update({ state: 'starting' })
    // Every way start() can fail is also an `error` or `ended` event, already reported.
    manager.start().catch(() => {})
  })
  return () => {
    stopped = true
    for (const unsubscribe of unsubscribes) unsubscribe()
    manager.stop()
  }
}
