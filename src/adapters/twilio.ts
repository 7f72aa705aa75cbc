/**
 * The adapter for Twilio Conversations (JavaScript SDK 3.x): `updateToken` on a live client, a new
 * client from a fresh token when one dropped.
 *
 * @module
 */
import { WidgetTokenError } from '../errors'
import type { WidgetAdapter, WidgetHost } from './adapter'

/** A vendor event handler: the adapter ignores what the events carry. */
export type TwilioListener = (...args: never[]) => void

/** The part of a Twilio Conversations (`@twilio/conversations` 3.x) `Client` the adapter uses. */
export interface ConversationsClient {
  /** `connecting`, `connected`, `disconnecting`, `disconnected`, `denied`, or `unknown` before the first. */
  readonly connectionState: string
  updateToken(token: string): Promise<unknown>
  on(event: 'connectionStateChanged' | 'connectionError' | 'tokenAboutToExpire' | 'tokenExpired', listener: TwilioListener): unknown
  /**
   * Subscribes and, when the event fired before, calls the listener at once with its last firing: a
   * client from `Client.create` has initialised before the adapter sees it.
   */
  onWithReplay(event: 'initialized' | 'initFailed', listener: TwilioListener): unknown
  removeListener(event: string, listener: TwilioListener): unknown
  shutdown(): Promise<void> | void
}

/** `Client` is the type `connect` returns: `onClient` hands the page its own `@twilio/conversations` client. */
export interface TwilioWidgetOptions<Client extends ConversationsClient = ConversationsClient> {
  /** Creates the client with a token, e.g. `(token) => new Client(token)`. */
  connect: (token: string) => Client | Promise<Client>
  /** Called with each client the adapter creates, for the page's own listeners. */
  onClient?: (client: Client) => void
}

/**
 * Twilio Conversations (`@twilio/conversations` 3.x): the first token creates the client, later ones
 * reach it through `updateToken` once it has initialised; a client that failed to start (`initFailed`,
 * a terminal `connectionError`) is replaced with one made from the next token. A denied connection
 * gets a fresh token at once, `tokenExpired` too; `tokenAboutToExpire` is a routine refresh.
 * Twilio access tokens carry no `aud`, so none is checked.
 *
 * @example
 * import { Client } from '@twilio/conversations'
 * import { twilioConversations } from 'widget-token/twilio'
 * createTokenManager({ endpoint: '/api/twilio/token', widget: twilioConversations({ connect: (token) => new Client(token) }) })
 */
export function twilioConversations<Client extends ConversationsClient>({ connect, onClient }: TwilioWidgetOptions<Client>): WidgetAdapter {
  let client: Client | undefined
  let state: 'starting' | 'ready' | 'failed' = 'starting'
  let host: WidgetHost | undefined
  let settled = () => {}
  let unsubscribe = () => {}

  const subscribe = (subscribed: ConversationsClient) => {
    // What happened before the subscription only sets the state: the next apply acts on it.
    let replaying = true
    const fail = () => {
      state = 'failed'
      settled()
      if (!replaying) host?.disconnected()
    }
    // Replayed in this order, so a client that failed to connect once and initialised later (the
    // last thing a client does on starting) ends up ready.
    const replayed: Record<string, TwilioListener> = {
      initFailed: fail,
      initialized: () => {
        state = 'ready'
        settled()
      },
    }
    const handlers: Record<string, TwilioListener> = {
      ...replayed,
      connectionError: ({ terminal }: { terminal: boolean }) => terminal && fail(),
      connectionStateChanged: (connection: string) => hasDropped(connection) && host?.disconnected(),
      tokenAboutToExpire: () => host?.token('schedule').catch(() => {}),
      tokenExpired: () => host?.expired(),
    }
    for (const event in handlers) {
      if (event in replayed) subscribed.onWithReplay(event as 'initialized', handlers[event]!)
      else subscribed.on(event as 'tokenExpired', handlers[event]!)
    }
    replaying = false
    unsubscribe = () => {
      for (const event in handlers) subscribed.removeListener(event, handlers[event]!)
      unsubscribe = () => {}
    }
  }

  // A function, so the compiler does not narrow the state across the subscription that may set it.
  const hasFailed = () => state === 'failed'
  // Twilio: "If the token expires before you renew it, the client's connection state will change to
  // disconnected, and you'll need to initialize a new client"; a refused token leaves it `denied`.
  const hasDropped = (connection: string) => connection === 'disconnected' || connection === 'denied'

  const retire = () => {
    unsubscribe()
    // shutdown() waits for the client to initialise and rejects if that failed.
    void Promise.resolve(client?.shutdown()).catch(() => {})
    client = undefined
  }

  /**
   * Resolves once the client initialised or failed, or when the hand-over's deadline passes (the
   * signal aborts): `updateToken` itself would wait for the initialisation, however long it takes.
   */
  const untilStarted = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done)
      settled = done
    })

  return {
    attach(newHost) {
      host = newHost
      if (client) subscribe(client)
      return () => {
        unsubscribe()
        settled()
        host = undefined
      }
    },
    async apply(token, { restart, signal }) {
      if (client && state === 'starting') await untilStarted(signal)
      if (signal.aborted) throw signal.reason
      if (client && state === 'ready' && !restart && !hasDropped(client.connectionState)) return void (await client.updateToken(token))
      // None yet, one that failed to start, or one that lost its session (it said so, or its token
      // ran out before this one came): a new one starts with this token.
      retire()
      const created = await connect(token)
      ;[client, state] = [created, 'starting']
      if (signal.aborted) {
        retire()
        throw signal.reason
      }
      subscribe(created)
      onClient?.(created)
      // Client.create resolves with a client that failed to start, too.
      if (hasFailed()) throw new WidgetTokenError('widget_rejected', 'the client failed to start')
    },
    ended: () => retire(),
  }
}
