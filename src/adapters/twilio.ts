import type { WidgetAdapter } from './adapter'

/** The part of a Twilio Conversations `Client` the adapter uses. */
export interface ConversationsClient {
  updateToken(token: string): Promise<unknown>
  on(event: 'tokenAboutToExpire' | 'tokenExpired', listener: () => void): unknown
  removeListener(event: 'tokenAboutToExpire' | 'tokenExpired', listener: () => void): unknown
  shutdown(): Promise<void> | void
}

export interface TwilioWidgetOptions {
  /** Creates the client with the first token, e.g. `(token) => new Client(token)`. */
  connect: (token: string) => ConversationsClient | Promise<ConversationsClient>
  /** Called with the client once it exists, for the page's own listeners. */
  onClient?: (client: ConversationsClient) => void
}

const TOKEN_EVENTS = ['tokenAboutToExpire', 'tokenExpired'] as const

/**
 * Twilio Conversations: the first token creates the client, later ones (also after a restart of
 * the manager) reach it through
 * `updateToken`, and both `tokenAboutToExpire` and `tokenExpired` ask for a fresh one at once.
 * Twilio access tokens carry no `aud`, so none is checked.
 *
 * @example
 * import { Client } from '@twilio/conversations'
 * import { twilioConversations } from 'widget-token/twilio'
 * createTokenManager({ endpoint: '/api/twilio/token', widget: twilioConversations({ connect: (token) => new Client(token) }) })
 */
export function twilioConversations({ connect, onClient }: TwilioWidgetOptions): WidgetAdapter {
  let client: ConversationsClient | undefined
  let listening: (() => void) | undefined
  let onTokenEvent = () => {}
  return {
    attach(host) {
      onTokenEvent = () => host.expired()
      return () => {
        listening?.()
        listening = undefined
      }
    },
    async apply(token, { signal }) {
      if (client) {
        await client.updateToken(token)
      } else {
        client = await connect(token)
        onClient?.(client)
      }
      if (listening || signal.aborted) return
      const subscribed = client
      for (const event of TOKEN_EVENTS) subscribed.on(event, onTokenEvent)
      listening = () => TOKEN_EVENTS.forEach((event) => subscribed.removeListener(event, onTokenEvent))
    },
    ended() {
      void client?.shutdown()
      client = undefined
    },
  }
}
