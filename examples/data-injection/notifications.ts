import WebSocket from 'ws'
import type { Models } from 'purecloud-platform-client-v2'
import { describe, systemClock, type Clock, type PlatformSession } from './platform'

/** What arrives on a notification channel's websocket. */
export interface NotificationMessage<Body = unknown> {
  topicName: string
  version?: string
  eventBody: Body
  metadata?: { CorrelationId?: string }
}

export const HEARTBEAT_TOPIC = 'channel.metadata'
export const SOCKET_CLOSING_TOPIC = 'v2.system.socket_closing'
export type SocketClosingMessage = NotificationMessage<Models.SystemMessageSystemMessage>

export interface NotificationStreamOptions {
  session: PlatformSession
  topics: string[]
  onEvent(message: NotificationMessage): void
  /** After every channel that is ready to deliver; `heardUntil` is when the previous one last spoke. */
  onConnected(connection: { reconnected: boolean; heardUntil: number | undefined }): void
  /** The service sends a heartbeat every 30 s; silence this long means the socket is dead. Default 65 s. */
  heartbeatTimeoutMs?: number | undefined
  /** Move to a new channel this long before the current one expires (channels live 24 h). Default 10 min. */
  expiryMarginMs?: number | undefined
  /** Delay before the second and later tries to reconnect, doubling up to `maxMs`. */
  reconnect?: { baseMs: number; maxMs: number } | undefined
  clock?: Clock | undefined
  log?: ((line: string) => void) | undefined
  /** A frame that is not a JSON object with a `topicName`; by default, one log line. */
  onMalformed?: ((fault: string) => void) | undefined
}

export interface NotificationStream {
  start(): Promise<void>
  stop(): void
}

interface Connection {
  socket: WebSocket
  heartbeat: unknown
  rollover: unknown
}

/** The frame as a message, or what is wrong with it: the service's frames are trusted no further than their shape. */
export function parseFrame(text: string): NotificationMessage | string {
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'not a JSON object'
  if (typeof (frame as { topicName?: unknown }).topicName !== 'string') return 'no topicName'
  return frame as NotificationMessage
}

export function createNotificationStream(options: NotificationStreamOptions): NotificationStream {
  const {
    session,
    topics,
    heartbeatTimeoutMs = 65_000,
    expiryMarginMs = 10 * 60_000,
    reconnect = { baseMs: 1000, maxMs: 30_000 },
    clock = systemClock,
    log = () => {},
    onMalformed = (fault) => log(`notifications: skipped a malformed frame (${fault})`),
  } = options
  let current: Connection | undefined
  let connecting: Promise<void> | undefined
  let retry: unknown
  let failures = 0
  let heardAt: number | undefined
  let connectedOnce = false
  let stopped = false

  async function openChannel(): Promise<Connection> {
    const channel = await session.call('postNotificationsChannels', () => session.notifications.postNotificationsChannels())
    if (!channel.id || !channel.connectUri) throw new Error('the notification channel came back without an id or connectUri')
    const channelId = channel.id
    const listing = await session.call('putNotificationsChannelSubscriptions', () =>
      session.notifications.putNotificationsChannelSubscriptions(channelId, topics.map((id) => ({ id }))),
    )
    const rejected = (listing.entities ?? []).filter((topic) => topic.state === 'Rejected')
    if (rejected.length > 0) log(`notifications: ${rejected.length} topic(s) rejected: ${rejected.map((topic) => topic.id).join(', ')}`)
    const socket = await connectSocket(channel.connectUri)
    const connection: Connection = { socket, heartbeat: undefined, rollover: undefined }
    const expiresAt = channel.expires ? Date.parse(channel.expires) : Number.NaN
    if (Number.isFinite(expiresAt)) {
      connection.rollover = clock.setTimeout(() => {
        log('notifications: channel about to expire, moving to a new one')
        replace()
      }, Math.max(0, expiresAt - expiryMarginMs - clock.now()))
    }
    return connection
  }

  function connectSocket(url: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: 10_000 })
      socket.once('open', () => {
        socket.off('error', reject)
        resolve(socket)
      })
      socket.once('error', reject)
    })
  }

  function adopt(connection: Connection) {
    const previous = current
    current = connection
    const { socket } = connection
    armHeartbeat(connection)
    socket.on('message', (data) => {
      if (current !== connection) return
      heardAt = clock.now()
      armHeartbeat(connection)
      receive(String(data))
    })
    socket.on('error', (error) => log(`notifications: socket error: ${error.message}`))
    socket.on('close', (code) => {
      if (current !== connection) return
      log(`notifications: socket closed (${code}), reconnecting`)
      dispose(connection)
      current = undefined
      replace()
    })
    // Make before break: the old socket keeps delivering until the new one is subscribed.
    if (previous) {
      dispose(previous)
      previous.socket.close(1000)
    }
  }

  function armHeartbeat(connection: Connection) {
    if (connection.heartbeat !== undefined) clock.clearTimeout(connection.heartbeat)
    connection.heartbeat = clock.setTimeout(() => {
      log(`notifications: no heartbeat for ${heartbeatTimeoutMs} ms, dropping the socket`)
      connection.socket.terminate()
    }, heartbeatTimeoutMs)
  }

  function dispose(connection: Connection) {
    if (connection.heartbeat !== undefined) clock.clearTimeout(connection.heartbeat)
    if (connection.rollover !== undefined) clock.clearTimeout(connection.rollover)
  }

  function receive(text: string) {
    const message = parseFrame(text)
    if (typeof message === 'string') {
      onMalformed(message)
      return
    }
    if (message.topicName === HEARTBEAT_TOPIC) return
    if (message.topicName === SOCKET_CLOSING_TOPIC) {
      log('notifications: the service will close this socket soon, moving to a new channel')
      replace()
      return
    }
    options.onEvent(message)
  }

  function replace(): Promise<void> {
    if (stopped) return Promise.resolve()
    connecting ??= connectOnce().finally(() => {
      connecting = undefined
    })
    return connecting
  }

  async function connectOnce(): Promise<void> {
    try {
      const connection = await openChannel()
      if (stopped) {
        dispose(connection)
        connection.socket.close(1000)
        return
      }
      const heardUntil = heardAt
      heardAt = clock.now()
      adopt(connection)
      failures = 0
      // A log that shows a socket closing must also show whether a new one took over.
      log(connectedOnce ? 'notifications: reconnected on a new channel' : 'notifications: connected')
      options.onConnected({ reconnected: connectedOnce, heardUntil })
      connectedOnce = true
    } catch (error) {
      failures++
      const delayMs = Math.min(reconnect.maxMs, reconnect.baseMs * 2 ** (failures - 1))
      log(`notifications: connecting failed (${describe(error)}), trying again in ${delayMs} ms`)
      if (!connectedOnce && failures === 1) throw error
      retry = clock.setTimeout(() => {
        retry = undefined
        void replace()
      }, delayMs)
    }
  }

  return {
    start: () => replace(),
    stop() {
      stopped = true
      if (retry !== undefined) clock.clearTimeout(retry)
      if (current) {
        dispose(current)
        current.socket.close(1000)
        current = undefined
      }
    },
  }
}
