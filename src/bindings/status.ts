import type { WidgetTokenError } from '../errors'
import type { State } from '../events'
import type { TokenManager } from '../manager'

/** What a page shows about its widget's token. */
export interface TokenStatus {
  /** The manager's state, as its `state` events tell it (see {@link State}). */
  state: State
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
    manager.on('state', ({ state }) => update({ state, expiresAt: manager.expiresAt })),
    manager.on('token', ({ expiresAt }) => update({ expiresAt, error: undefined })),
    manager.on('error', (error) => update({ error })),
  ]
  let stopped = false
  queueMicrotask(() => {
    if (stopped) return
    // Every way start() can fail is also an `error` or `ended` event, already reported.
    manager.start().catch(() => {})
  })
  return () => {
    stopped = true
    for (const unsubscribe of unsubscribes) unsubscribe()
    manager.stop()
  }
}
