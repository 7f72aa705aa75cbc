/**
 * `defineAdapter`: types an adapter for a widget of your own, push (`apply`) or pull (`host.token()`).
 *
 * @module
 */
import type { WidgetAdapter } from './adapter'

/**
 * Types an adapter for your own widget; it returns what it is given. Push widgets implement
 * `apply`; widgets that ask for their token call `host.token()` instead.
 *
 * @example
 * import { defineAdapter } from 'widget-token/define'
 *
 * export const acmeChat = (chat = window.AcmeChat) =>
 *   defineAdapter({
 *     audience: 'acme-tenant-42',
 *     attach(host) {
 *       chat.on('session-lost', host.disconnected)
 *       return () => chat.off('session-lost', host.disconnected)
 *     },
 *     apply(token, { first, restart }) {
 *       if (first || restart) chat.start({ jwt: token })
 *       else chat.setToken(token)
 *     },
 *     ended: () => chat.signOut(),
 *   })
 */
export function defineAdapter(adapter: WidgetAdapter): WidgetAdapter {
  return adapter
}

export type { ApplyContext, WidgetAdapter, WidgetHost } from './adapter'
