/**
 * `useWidgetToken` for Vue 3.3 and later: the same as a composable whose fields are refs.
 *
 * @module
 */
import { computed, onMounted, onScopeDispose, shallowRef, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue'
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../manager'
import { follow, idleStatus, type TokenStatus } from './status'

export type { TokenStatus } from './status'

export interface WidgetToken {
  state: ComputedRef<TokenStatus['state']>
  expiresAt: ComputedRef<TokenStatus['expiresAt']>
  error: ComputedRef<TokenStatus['error']>
  /** The running manager, for its events (`watch` it and call `on`); `undefined` before mount and after unmount. */
  manager: ComputedRef<TokenManager | undefined>
  /**
   * Replaces the token now (joins a refresh already under way). Rejects with that attempt's error,
   * or with an `InvalidStateError` before the manager has started or after unmount.
   */
  refresh(): Promise<void>
}

/**
 * Keeps the widget's token alive while the component is mounted: starts a token manager on mount,
 * stops it on unmount, and exposes its status as refs.
 *
 * Plain `options` are read once, at mount. Passed as a getter (or a ref), the manager starts over
 * whenever the reactive values the getter reads change, e.g. `() => ({ endpoint: `/api/${tenant.value}/token`, widget })`.
 *
 * @example
 * const { state, error } = useWidgetToken({ endpoint: '/api/v1/embedded-cx/token', widget: genWidget({ config }) })
 */
export function useWidgetToken(options: MaybeRefOrGetter<TokenManagerOptions>): WidgetToken {
  const status = shallowRef<TokenStatus>(idleStatus)
  const manager = shallowRef<TokenManager | undefined>(undefined)
  let stop: (() => void) | undefined

  function restart(current: TokenManagerOptions): void {
    stop?.()
    status.value = idleStatus
    manager.value = createTokenManager(current)
    stop = follow(manager.value, (next) => (status.value = next))
  }

  onMounted(() => restart(toValue(options)))
  watch(() => toValue(options), (current) => {
    if (manager.value) restart(current)
  })
  onScopeDispose(() => {
    stop?.()
    stop = manager.value = undefined
  })

  return {
    state: computed(() => status.value.state),
    expiresAt: computed(() => status.value.expiresAt),
    error: computed(() => status.value.error),
    manager: computed(() => manager.value),
    refresh: () => manager.value?.refresh() ?? Promise.reject(new DOMException('not started', 'InvalidStateError')),
  }
}
