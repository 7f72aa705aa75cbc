import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve, upgradeWebSocket, type WebSocketServerLike } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import type { WSContext } from 'hono/ws'
import { WebSocketServer } from 'ws'
import type { Models } from 'purecloud-platform-client-v2'
import { HEARTBEAT_TOPIC, SOCKET_CLOSING_TOPIC, type NotificationMessage, type SocketClosingMessage } from './notifications'
import { queueTopic } from './worker'

/** The body of `POST /oauth/token`; the SDK has no model for it. */
export interface OAuthTokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
}

export interface SimulatedConversation {
  id: string
  queueId: string
  startedAt: number
  ended: boolean
  customer: Required<Pick<Models.MessageMediaParticipant, 'id' | 'name' | 'purpose' | 'state'>> & { attributes: Record<string, string> }
  agentParticipantId: string
  secureAttributes: Record<string, string>
}

export interface RecordedRequest {
  method: string
  /** Path and query, as the client sent them. */
  url: string
}

export interface RecordedPatch {
  conversationId: string
  endpoint: 'messageParticipant' | 'participant' | 'secure'
  attributeNames: string[]
}

export interface SimulationOptions {
  clientId: string
  clientSecret: string
  /** Lifetime of the access tokens it grants. Default 86 400 s, as Genesys's client-credentials tokens. */
  tokenTtlSeconds?: number
  /** How often each socket hears `channel.metadata`. Default 30 s, as the real service. */
  heartbeatIntervalMs?: number
  /** How long a channel lives. Default 24 h. */
  channelTtlMs?: number
}

export interface PlatformSimulation {
  url: string
  gateway: { host: string; protocol: string; port: number }
  conversations: Map<string, SimulatedConversation>
  requests: RecordedRequest[]
  patches: RecordedPatch[]
  /** Every access token it granted, in order. */
  grantedTokens: string[]
  /** Channel ids, in the order they were created, with the topics each is subscribed to. */
  channels: Map<string, Set<string>>
  /** Starts a web messaging conversation on a queue and tells the queue's subscribers. */
  startConversation(input: { queueId: string; customerName?: string; customerAttributes?: Record<string, string> }): SimulatedConversation
  /** Sends a conversation's latest event again, as the service sometimes does. */
  redeliver(conversationId: string): void
  endConversation(conversationId: string): void
  /** Closes every open socket, after a `v2.system.socket_closing` notice when `warn` is set. */
  closeSockets(options?: { warn?: boolean }): void
  /** Stops heartbeats and deliveries without closing: a socket that went silent. */
  silenceSockets(): void
  /** Sends this text as it is on every open socket: a frame the real service should never send, but a worker must outlive. */
  sendFrame(text: string): void
  /** The next `times` requests whose `METHOD path` matches get 429 with this Retry-After. */
  rateLimit(match: RegExp, retryAfterSeconds: number, times?: number): void
  /** These tokens (default: every one granted so far) stop working (401), as when they expire or are revoked. */
  revokeTokens(tokens?: string[]): void
  openSockets(): number
  close(): Promise<void>
}

export async function createPlatformSimulation(options: SimulationOptions): Promise<PlatformSimulation> {
  const { clientId, clientSecret, tokenTtlSeconds = 86_400, heartbeatIntervalMs = 30_000, channelTtlMs = 24 * 60 * 60_000 } = options
  const validTokens = new Set<string>()
  const grantedTokens: string[] = []
  const channels = new Map<string, Set<string>>()
  const sockets = new Map<WSContext, { channelId: string; heartbeat: ReturnType<typeof setInterval> | undefined; silent: boolean }>()
  const conversations = new Map<string, SimulatedConversation>()
  const requests: RecordedRequest[] = []
  const patches: RecordedPatch[] = []
  const rateLimits: Array<{ match: RegExp; retryAfterSeconds: number; times: number }> = []
  let origin = ''

  const app = new Hono()
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url)
    requests.push({ method: c.req.method, url: url.pathname + url.search })
    const limit = rateLimits.find((rule) => rule.times > 0 && rule.match.test(`${c.req.method} ${url.pathname}`))
    if (limit) {
      limit.times--
      c.header('Retry-After', String(limit.retryAfterSeconds))
      return failure(c, 429, 'too.many.requests', `Rate limit exceeded the maximum. Retry the request in [${limit.retryAfterSeconds}] seconds`)
    }
    return next()
  })

  app.post('/oauth/token', async (c) => {
    const form = await c.req.parseBody()
    if (form['grant_type'] !== 'client_credentials') return c.json({ error: 'unsupported_grant_type', description: 'only client_credentials' }, 400)
    if (!credentialsMatch(c.req.header('authorization'))) return c.json({ error: 'invalid_client', description: 'client not found' }, 401)
    const accessToken = randomBytes(24).toString('base64url')
    validTokens.add(accessToken)
    grantedTokens.push(accessToken)
    return c.json({ access_token: accessToken, token_type: 'bearer', expires_in: tokenTtlSeconds } satisfies OAuthTokenResponse)
  })

  app.use('/api/*', async (c, next) => {
    const token = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1]
    if (!token || !validTokens.has(token)) return failure(c, 401, 'bad.credentials', 'Invalid login credentials.')
    return next()
  })

  app.post('/api/v2/notifications/channels', (c) => {
    const id = `streaming-0-${randomBytes(12).toString('hex')}`
    channels.set(id, new Set())
    return c.json({ id, connectUri: `${origin.replace(/^http/, 'ws')}/channels/${id}`, expires: new Date(Date.now() + channelTtlMs).toISOString() } satisfies Models.Channel)
  })

  app.put('/api/v2/notifications/channels/:channelId/subscriptions', async (c) => {
    const topics = channels.get(c.req.param('channelId'))
    if (!topics) return failure(c, 404, 'not.found', 'The channel was not found.')
    const body = (await c.req.json()) as Models.ChannelTopic[]
    topics.clear()
    for (const topic of body) if (topic.id) topics.add(topic.id)
    return c.json({ entities: [...topics].map((id) => ({ id, state: 'Permitted' })) } satisfies Models.ChannelTopicEntityListing)
  })

  app.get('/api/v2/conversations/messages/:conversationId', (c) => {
    const conversation = conversations.get(c.req.param('conversationId'))
    if (!conversation) return failure(c, 404, 'not.found', 'The conversation was not found.')
    return c.json(messageConversation(conversation))
  })

  app.post('/api/v2/analytics/conversations/details/query', async (c) => {
    const query = (await c.req.json()) as Models.ConversationQuery
    const [from = 0, to = Infinity] = query.interval.split('/').map((instant) => Date.parse(instant))
    const queues = new Set((query.segmentFilters ?? []).flatMap((filter) => filter.predicates ?? []).filter((p) => p.dimension === 'queueId').map((p) => p.value))
    const matching = [...conversations.values()].filter((conversation) => !conversation.ended && queues.has(conversation.queueId) && conversation.startedAt >= from && conversation.startedAt < to)
    const { pageSize = 25, pageNumber = 1 } = query.paging ?? {}
    const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
    return c.json({
      totalHits: matching.length,
      conversations: page.map((conversation) => ({
        conversationId: conversation.id,
        conversationStart: new Date(conversation.startedAt).toISOString(),
        originatingDirection: 'inbound',
        participants: [{ participantId: conversation.customer.id, purpose: 'customer' }],
      })),
    } satisfies Models.AnalyticsConversationQueryResponse)
  })

  app.patch('/api/v2/conversations/messages/:conversationId/participants/:participantId/attributes', async (c) => {
    const target = participantOf(c)
    if (!target) return failure(c, 404, 'not.found', 'The participant was not found.')
    const body = (await c.req.json()) as Models.ParticipantAttributes
    Object.assign(target.customer.attributes, body.attributes)
    patches.push({ conversationId: target.conversation.id, endpoint: 'messageParticipant', attributeNames: Object.keys(body.attributes ?? {}) })
    return c.json({ attributes: target.customer.attributes } satisfies Models.ParticipantAttributes)
  })

  app.patch('/api/v2/conversations/:conversationId/participants/:participantId/attributes', async (c) => {
    const target = participantOf(c)
    if (!target) return failure(c, 404, 'not.found', 'The participant was not found.')
    const body = (await c.req.json()) as Models.ParticipantAttributes
    Object.assign(target.customer.attributes, body.attributes)
    patches.push({ conversationId: target.conversation.id, endpoint: 'participant', attributeNames: Object.keys(body.attributes ?? {}) })
    return c.body(null, 202)
  })

  app.patch('/api/v2/conversations/:conversationId/secureattributes', async (c) => {
    const conversation = conversations.get(c.req.param('conversationId'))
    if (!conversation) return failure(c, 404, 'not.found', 'The conversation was not found.')
    const body = (await c.req.json()) as Models.ConversationSecureAttributes
    Object.assign(conversation.secureAttributes, body.attributes)
    patches.push({ conversationId: conversation.id, endpoint: 'secure', attributeNames: Object.keys(body.attributes ?? {}) })
    return c.json('Accepted')
  })

  app.get(
    '/channels/:channelId',
    upgradeWebSocket((c) => {
      const channelId = c.req.param('channelId') ?? ''
      return {
        onOpen(_event, ws) {
          const state = { channelId, silent: false, heartbeat: undefined as ReturnType<typeof setInterval> | undefined }
          state.heartbeat = setInterval(() => {
            if (!state.silent) send(ws, { topicName: HEARTBEAT_TOPIC, eventBody: { message: 'WebSocket Heartbeat' } })
          }, heartbeatIntervalMs)
          sockets.set(ws, state)
        },
        onMessage(event, ws) {
          if (String(event.data).includes('"ping"')) send(ws, { topicName: HEARTBEAT_TOPIC, eventBody: { message: 'pong' } })
        },
        onClose(_event, ws) {
          clearInterval(sockets.get(ws)?.heartbeat)
          sockets.delete(ws)
        },
      }
    }),
  )

  function participantOf(c: Context) {
    const conversation = conversations.get(c.req.param('conversationId') ?? '')
    if (!conversation || conversation.customer.id !== c.req.param('participantId')) return undefined
    return { conversation, customer: conversation.customer }
  }

  function failure(c: Context, status: 401 | 404 | 429, code: string, message: string) {
    return c.json({ message, code, status, contextId: randomUUID(), details: [], errors: [] } satisfies Models.ErrorBody, status)
  }

  function credentialsMatch(header: string | undefined): boolean {
    const expected = Buffer.from(`Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`)
    const given = Buffer.from(header ?? '')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  function send(ws: WSContext, message: NotificationMessage) {
    if (ws.readyState === 1) ws.send(JSON.stringify(message))
  }

  function messageConversation(conversation: SimulatedConversation): Models.MessageConversation {
    return {
      id: conversation.id,
      participants: [
        { ...conversation.customer, attributes: { ...conversation.customer.attributes }, startTime: new Date(conversation.startedAt).toISOString() },
        { id: conversation.agentParticipantId, purpose: 'acd', state: conversation.ended ? 'disconnected' : 'connected', queue: { id: conversation.queueId } },
      ],
    }
  }

  function queueEvent(conversation: SimulatedConversation): NotificationMessage<Models.QueueConversationMessageEventTopicMessageConversation> {
    const { customer } = conversation
    const agent = { id: conversation.agentParticipantId, purpose: 'acd', state: conversation.ended ? 'disconnected' : 'connected', queue: { id: conversation.queueId } }
    return {
      topicName: queueTopic(conversation.queueId),
      version: '2',
      eventBody: { id: conversation.id, participants: [{ ...customer, attributes: { ...customer.attributes } }, agent] },
      metadata: { CorrelationId: randomUUID() },
    }
  }

  function publish(conversation: SimulatedConversation) {
    const message = queueEvent(conversation)
    for (const [ws, state] of sockets) {
      if (!state.silent && channels.get(state.channelId)?.has(message.topicName)) send(ws, message)
    }
  }

  // @types/ws declares `noServer` optional, which exactOptionalPropertyTypes reads as a mismatch.
  const wss = new WebSocketServer({ noServer: true }) as WebSocketServerLike
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, websocket: { server: wss } }, () => resolve(started as Server))
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`

  return {
    url: origin,
    gateway: { host: '127.0.0.1', protocol: 'http', port },
    conversations,
    requests,
    patches,
    grantedTokens,
    channels,
    startConversation({ queueId, customerName = 'Web visitor', customerAttributes = {} }) {
      const conversation: SimulatedConversation = {
        id: randomUUID(),
        queueId,
        startedAt: Date.now(),
        ended: false,
        customer: { id: randomUUID(), name: customerName, purpose: 'customer', state: 'connected', attributes: { ...customerAttributes } },
        agentParticipantId: randomUUID(),
        secureAttributes: {},
      }
      conversations.set(conversation.id, conversation)
      publish(conversation)
      return conversation
    },
    redeliver(conversationId) {
      const conversation = conversations.get(conversationId)
      if (conversation) publish(conversation)
    },
    endConversation(conversationId) {
      const conversation = conversations.get(conversationId)
      if (!conversation) return
      conversation.ended = true
      conversation.customer.state = 'disconnected'
      publish(conversation)
    },
    closeSockets({ warn = false } = {}) {
      for (const ws of sockets.keys()) {
        if (warn) {
          const notice: SocketClosingMessage = { topicName: SOCKET_CLOSING_TOPIC, eventBody: { message: 'Socket closing soon; please reconnect', systemTopicType: 'socket_closing' } }
          send(ws, notice)
        }
        ws.close(1001, 'service maintenance')
      }
    },
    silenceSockets() {
      for (const state of sockets.values()) state.silent = true
    },
    sendFrame(text) {
      for (const ws of sockets.keys()) if (ws.readyState === 1) ws.send(text)
    },
    rateLimit(match, retryAfterSeconds, times = 1) {
      rateLimits.push({ match, retryAfterSeconds, times })
    },
    revokeTokens(tokens = [...validTokens]) {
      for (const token of tokens) validTokens.delete(token)
    },
    openSockets: () => sockets.size,
    async close() {
      for (const [ws, state] of sockets) {
        clearInterval(state.heartbeat)
        ws.close(1001, 'simulation stopped')
      }
      sockets.clear()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
