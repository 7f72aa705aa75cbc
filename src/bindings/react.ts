/**
 * `useWidgetToken` for React 18 and later: keeps the widget's token alive while a component is
 * mounted and re-renders with the manager's state.
 *
 * @module
 */
import { useCallback, useEffect, useState, type DependencyList } from 'react'
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../manager'
import { follow, idleStatus, type TokenStatus } from './status'

export type { TokenStatus } from './status'

export interface WidgetToken extends TokenStatus {
  /**
   * The component's manager, for its events: subscribe in an effect that depends on it, e.g.
   * `useEffect(() => manager.on('warning', report), [manager])`. Effects run before the manager
   * starts, so such a listener sees every event. A new one when `deps` change.
   */
  manager: TokenManager
  /** Replaces the token now (joins a refresh already under way). Rejects with that attempt's error, or when not running. */
  refresh(): Promise<void>
}

/**
 * Keeps the widget's token alive while the component is mounted: starts a token manager on mount,
 * stops it on unmount, and re-renders with its status.
 *
 * `options` are read when the manager is made; a new object on every render changes nothing. To
 * start over with other options (another visitor, another widget), list the values that matter in
 * `deps`, as with `useEffect`, or remount the component with a new `key`.
 *
 * @example
 * function Support({ config }: { config: GenConfig }) {
 *   const { state, error } = useWidgetToken({ endpoint: '/api/v1/embedded-cx/token', widget: genWidget({ config }) })
 *   if (state === 'ended') return <SignInAgain />
 *   return <p>{error ? `Reconnecting the chat (${error.code})` : state}</p>
 * }
 */
export function useWidgetToken(options: TokenManagerOptions, deps: DependencyList = []): WidgetToken {
  // Made during render, which has no side effects (nothing starts until the effect), so that the
  // component's own effects can subscribe to it before its first event.
  const [made, setMade] = useState(() => ({ deps, manager: createTokenManager(options) }))
  let current = made
  if (!sameDeps(made.deps, deps)) {
    current = { deps, manager: createTokenManager(options) }
    setMade(current)
  }
  const { manager } = current
  const [status, setStatus] = useState<TokenStatus>(idleStatus)

  useEffect(() => {
    const stop = follow(manager, setStatus)
    return () => {
      stop()
      setStatus(idleStatus)
    }
  }, [manager])

  const refresh = useCallback(() => manager.refresh(), [manager])
  return { ...status, manager, refresh }
}

function sameDeps(before: DependencyList, after: DependencyList): boolean {
  return before.length === after.length && before.every((value, index) => Object.is(value, after[index]))
}
