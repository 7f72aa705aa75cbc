import { EventEmitter } from 'node:events'
import { jwtDecode } from 'jwt-decode'
import type { ClientOptions } from '@twilio/conversations'

// [twilsock] its client is a Node-style EventEmitter (`on`, `once`, `off` of a `once` listener).
const createEmitter = () => new EventEmitter()

/**
 * The services a real `@twilio/conversations` 3.0.1 `Client` takes through its options
 * (`twilsockClient`, `transport`, `notificationsClient`, `syncClient`; builds/lib.d.ts,
 * `interface ClientOptions`), faked at the network's edge so the Client itself runs unchanged.
 * Sources, cited per behaviour below:
 * - [client]: the package's dist/client.js (`constructor`, `_initialize`, `updateToken`, `shutdown`);
 * - [twilsock]: the `twilsock` package's builds/lib.js (`state`, `onIncomingMessage`, `sendInit`,
 *   `sendUpdate`, the state machine's transitions);
 * - [overview]: https://www.twilio.com/docs/conversations/sdk-overview ("If the token expires before
 *   you renew it, the client's connection state will change to disconnected, and you'll need to
 *   initialize a new client"): a client that lost its connection is not brought back by `updateToken`.
 */
export function createTwilioServices() {
  const twilsock = createEmitter()
  const tokens: string[] = []
  let state = 'connecting'
  const setState = (next: string) => {
    state = next
    twilsock.emit('stateChanged', next)
  }

  const twilsockClient = Object.assign(twilsock, {
    get state() {
      return state
    },
    // [client] an injected twilsock is not connected by the Client: the test decides when it does.
    connect() {},
    async disconnect() {
      setState('disconnected')
      twilsock.emit('disconnected')
    },
    // [twilsock] the server checks each token it is sent and refuses an expired one (401, error
    // 20104): `denied`, `tokenExpired` and a terminal connectionError, and the update rejects.
    // [overview] a dropped connection takes no token.
    async updateToken(token: string) {
      tokens.push(token)
      if (state !== 'connected') return
      if ((jwtDecode(token).exp ?? 0) * 1000 > Date.now()) return
      refuse(true)
      throw new Error('Authentication failed')
    },
    addPartialTelemetryEvent() {},
    // [client] `_initialize` fetches its configuration and the user's conversations over the transport.
    async get(url: string) {
      const body = url.endsWith('/Configuration') ? CONFIGURATION : { conversations: [], meta: { next_token: null } }
      return { status: { code: 200 }, headers: {}, body }
    },
  })
  const close = () => {
    setState('disconnecting')
    setState('disconnected')
    twilsock.emit('disconnected')
  }
  // [twilsock] a token refused in reply to init or update (401/403): `denied`, and a terminal error.
  const refuse = (expired: boolean) => {
    setState('denied')
    if (expired) twilsock.emit('tokenExpired')
    twilsock.emit('connectionError', { terminal: true, message: 'Authentication failed', httpStatusCode: 401, errorCode: expired ? 20104 : 20101 })
  }
  const notificationsClient = Object.assign(createEmitter(), { subscribe() {}, unsubscribe() {}, async updateToken() {} })
  const syncMap = Object.assign(createEmitter(), { getItems: async () => ({ items: [], hasNextPage: false }) })
  const syncClient = Object.assign(createEmitter(), { connectionState: 'connected', map: async () => syncMap, async updateToken() {} })

  const options = {
    // [client] otherwise the options are deep-cloned, all but the twilsock and transport objects.
    disableDeepClone: true,
    twilsockClient,
    transport: twilsockClient,
    notificationsClient,
    syncClient,
  } as unknown as ClientOptions

  return {
    options,
    /** Tokens the Client handed its connection through `updateToken`. */
    tokens,
    /** [twilsock] the connection's state, as the Client reads it. */
    get state() {
      return state
    },
    /** [twilsock] the socket opened and the server accepted the token: `connected`, then the Client initialises. */
    connect() {
      setState('connected')
      twilsock.emit('connected')
    },
    /** [twilsock] the server refused the token at init or at an update. */
    deny: () => refuse(false),
    /** [twilsock] a connection failure; with `terminal`, twilsock stops trying. */
    fail(terminal: boolean) {
      twilsock.emit('connectionError', { terminal, message: 'Connection lost', httpStatusCode: null, errorCode: null })
    },
    /** [twilsock] the server says the token expires soon (`client_update` `token_about_to_expire`). */
    tokenAboutToExpire: () => twilsock.emit('tokenAboutToExpire'),
    /**
     * [twilsock] the server closed the connection with 410, the token expired: `disconnecting`, then
     * `disconnected` once the socket has closed; [overview] the client now needs starting again.
     */
    tokenExpired() {
      setState('disconnecting')
      twilsock.emit('tokenExpired')
      close()
    },
    /** [twilsock] the server closed the connection with 401 (a revoked token): nothing but `disconnected`. */
    close,
  }
}

// [client] the fields `Configuration` reads from `Client/v2/Configuration`; no user-info map, so
// the Client skips fetching the user from Sync.
const CONFIGURATION = {
  identity: 'visitor-1',
  links: {
    my_conversations: 'https://aim.us1.twilio.com/Client/v2/Users/visitor-1/Conversations',
    conversations: 'https://aim.us1.twilio.com/Client/v2/Conversations',
    users: 'https://aim.us1.twilio.com/Client/v2/Users',
    current_user: 'https://aim.us1.twilio.com/Client/v2/Users/visitor-1',
    typing: 'https://aim.us1.twilio.com/Client/v2/Services/typing',
    media_service: 'https://mcs.us1.twilio.com/v1/Services/IS000/Media',
    media_set_service: 'https://mcs.us1.twilio.com/v1/Services/IS000/MediaSet',
    messages_receipts: 'https://aim.us1.twilio.com/Client/v2/Receipts',
  },
  options: { consumption_report_interval: 'PT5S', http_cache_interval: 'PT5S', reachability_enabled: false },
  sync_objects: { my_user_info: '', my_conversations: 'my_conversations' },
}
