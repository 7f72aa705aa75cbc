import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react'
import { createTokenManager, type TokenManager, type TokenManagerOptions } from './manager'
import { follow, idleStatus, type TokenStatus } from './status'

export type { TokenStatus } from './status'

export interface WidgetToken extends TokenStatus {
  /**
   * The running manager, for its events (`manager.on('warning', …)` in an effect that depends on it);
   * `undefined` before mount and after unmount.
   */
  manager: TokenManager | undefined
  /**
   * Replaces the token now (joins a refresh already under way). Rejects with that attempt's error,
   * or with an `InvalidStateError` before the manager has started or after unmount.
   */
  refresh(): Promise<void>
}

/**
 * Keeps the widget's token alive while the component is mounted: starts a token manager on mount,
 * stops it on unmount, and re-renders with its status.
 *
 * `options` are read when the manager starts; a new object on every render changes nothing. To
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
  const [status, setStatus] = useState<TokenStatus>(idleStatus)
  const [manager, setManager] = useState<TokenManager | undefined>(undefined)
  const running = useRef<TokenManager | undefined>(undefined)

  useEffect(() => {
    const manager = createTokenManager(options)
    running.current = manager
    setManager(manager)
    const stop = follow(manager, setStatus)
    return () => {
      stop()
      if (running.current === manager) running.current = undefined
      setManager(undefined)
      setStatus(idleStatus)
    }
    // `options` are deliberately read only when `deps` change: see the documentation above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps)

  const refresh = useCallback(
    () => running.current?.refresh() ?? Promise.reject(new DOMException('not started', 'InvalidStateError')),
    [],
  )
  return { ...status, manager, refresh }
}
