// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHarness, manualClock, QUEUE_ID, until, type Harness } from './harness'
import { queueTopic } from '../../examples/data-injection/worker'
import { createRedisStore } from '../../examples/data-injection/store'
import { connect, redisAvailable, uniquePrefix } from '../../packages/server/test/redis'

const redis = await redisAvailable()

let h: Harness

beforeEach(async () => {
  h = await createHarness()
})

afterEach(async () => {
  await h.close()
})

const patchesOf = (conversationId: string) => h.sim.patches.filter((patch) => patch.conversationId === conversationId)
const detailQueries = () => h.sim.requests.filter((request) => request.url === '/api/v2/analytics/conversations/details/query').length

describe('two-phase data injection with the real Platform SDK', { timeout: 20_000 }, () => {
  it('writes the profile onto a new conversation once, each attribute through its endpoint', async () => {
    await h.startWorker()
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    const conversation = h.sim.conversations.get(conversationId)!
    expect(conversation.customer.attributes).toMatchObject({
      'crm.displayName': 'Ada Lovelace',
      'crm.preferredLanguage': 'en-GB',
      'crm.customerId': 'cust-4711',
      'crm.tier': 'premium',
    })
    expect(conversation.secureAttributes).toEqual({ 'crm.email': 'ada@example.test', 'crm.accountNumber': 'GB29NWBK60161331926819' })
    expect(JSON.stringify(conversation)).not.toContain('analytical engine')
    expect(patchesOf(conversationId).map((patch) => patch.endpoint).sort()).toEqual(['messageParticipant', 'participant', 'secure'])
  })

  it('does not patch again when the same event arrives twice', async () => {
    await h.startWorker()
    const { conversationId } = await h.chat()
    await h.outcome(conversationId, 'injected')

    h.sim.redeliver(conversationId)
    await h.outcome(conversationId, 'already_handled')
    expect(patchesOf(conversationId)).toHaveLength(3)
  })

  it('patches once when two workers share one store and both hear the event', async () => {
    await h.startWorker()
    await h.startWorker()
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    await until(() => h.outcomes.filter((outcome) => outcome.conversationId === conversationId).length >= 2, 'the other worker to decide')
    const statuses = h.outcomes.map((outcome) => outcome.status)
    expect(statuses.filter((status) => status === 'injected')).toHaveLength(1)
    expect(statuses.filter((status) => status !== 'injected').every((status) => status === 'already_handled')).toBe(true)
    expect(patchesOf(conversationId)).toHaveLength(3)
  })

  it('writes nothing when the reference matches no live portal session', async () => {
    await h.startWorker()
    h.sessions.end('session-1-cust-4711')
    const stale = h.sim.startConversation({ queueId: QUEUE_ID, customerAttributes: { cxRef: 'AAAAAAAAAAAAAAAAAAAAAA' } })

    await h.outcome(stale.id, 'unknown_reference')
    expect(patchesOf(stale.id)).toEqual([])
  })

  it('ignores conversations that carry no reference, such as ones not started from the portal', async () => {
    await h.startWorker()
    const anonymous = h.sim.startConversation({ queueId: QUEUE_ID })
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    expect(h.outcomes.some((outcome) => outcome.conversationId === anonymous.id)).toBe(false)
    expect(patchesOf(anonymous.id)).toEqual([])
  })

  it.each([
    { how: 'closed by the server', warn: false },
    { how: 'closed after a v2.system.socket_closing notice', warn: true },
  ])('when the socket is $how: reconnects, resubscribes, and finds the conversation started meanwhile by asking the API', async ({ warn }) => {
    await h.startWorker()
    const before = await h.chat()
    await h.outcome(before.conversationId, 'injected')

    const visitor = await h.signIn()
    const queriesBefore = detailQueries()

    h.sim.closeSockets({ warn })
    const meanwhile = visitor.startConversation()

    await h.outcome(meanwhile, 'injected')
    const [, second] = [...h.sim.channels.values()]
    expect(second).toEqual(new Set([queueTopic(QUEUE_ID)]))
    expect(detailQueries()).toBeGreaterThan(queriesBefore)
    expect(patchesOf(before.conversationId)).toHaveLength(3)
    expect(patchesOf(meanwhile)).toHaveLength(3)
    expect(h.logs.filter((line) => /^notifications: (re)?connected/.test(line))).toEqual(['notifications: connected', 'notifications: reconnected on a new channel'])

    const after = await h.chat()
    await h.outcome(after.conversationId, 'injected')
  })

  it('drops a socket that stops hearing heartbeats and carries on over a new channel', async () => {
    const clock = manualClock()
    await h.startWorker({ clock, heartbeatTimeoutMs: 65_000 })
    h.sim.silenceSockets()
    const meanwhile = await h.chat()

    clock.fire((ms) => ms === 65_000)
    await h.outcome(meanwhile.conversationId, 'injected')
    expect(h.sim.channels.size).toBe(2)
  })

  it('moves to a new channel before the current one reaches its 24 h expiry, without writing twice', async () => {
    const clock = manualClock()
    await h.startWorker({ clock, expiryMarginMs: 10 * 60_000 })
    const first = await h.chat()
    await h.outcome(first.conversationId, 'injected')

    clock.fire((ms) => ms > 23 * 60 * 60_000 && ms <= 24 * 60 * 60_000 - 10 * 60_000)
    await until(() => h.sim.channels.size === 2 && h.sim.openSockets() === 1, 'the move to the second channel')
    const second = await h.chat()

    await h.outcome(second.conversationId, 'injected')
    expect(patchesOf(first.conversationId)).toHaveLength(3)
  })
})

describe('the Platform API saying no', { timeout: 20_000 }, () => {
  it('waits as long as Retry-After says after a 429, then writes', async () => {
    const waits: number[] = []
    await h.startWorker({ sleep: async (ms) => void waits.push(ms) })
    h.sim.rateLimit(/^PATCH .*\/secureattributes$/, 7)
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    expect(waits).toEqual([7000])
    expect(patchesOf(conversationId).map((patch) => patch.endpoint).sort()).toEqual(['messageParticipant', 'participant', 'secure'])
  })

  it('gives a conversation back when Retry-After is longer than it may wait, and later writes only what is missing', async () => {
    await h.startWorker({ maxRetryAfterMs: 60_000 })
    h.sim.rateLimit(/^PATCH .*\/secureattributes$/, 120)
    const { conversationId } = await h.chat()

    expect(await h.outcome(conversationId, 'failed')).toMatchObject({ reason: expect.stringContaining('429') })
    h.sim.redeliver(conversationId)

    await h.outcome(conversationId, 'injected')
    expect(patchesOf(conversationId).map((patch) => patch.endpoint).sort()).toEqual(['messageParticipant', 'participant', 'secure'])
  })

  it('logs in again when the API answers 401, and retries the call', async () => {
    await h.startWorker()
    h.sim.revokeTokens()
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    expect(h.sim.grantedTokens).toHaveLength(2)
  })

  it('renews the client-credentials token before it expires', async () => {
    const clock = manualClock()
    await h.startWorker({ clock, renewLeewayMs: 5 * 60_000 })
    const [firstToken] = h.sim.grantedTokens

    clock.fire((ms) => Math.abs(ms - (86_400_000 - 300_000)) < 5000)
    await until(() => h.sim.grantedTokens.length === 2, 'a second token')
    h.sim.revokeTokens([firstToken!])
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    expect(h.sim.grantedTokens).toHaveLength(2)
  })
})

describe.skipIf(!redis)('workers sharing Redis', { timeout: 20_000 }, () => {
  it('patch a conversation once when two workers on two stores of one Redis both hear it', async () => {
    await h.close()
    const clients = [connect(), connect()]
    await Promise.all(clients.map((client) => client.connect()))
    const prefix = uniquePrefix()
    const [first, second] = clients.map((client) => createRedisStore(client, { prefix }))
    try {
      h = await createHarness({}, first)
      await h.startWorker()
      await h.startWorker({ store: second! })
      const { conversationId } = await h.chat()

      await h.outcome(conversationId, 'injected')
      await until(() => h.outcomes.filter((outcome) => outcome.conversationId === conversationId).length >= 2, 'the other worker to decide')
      expect(h.outcomes.filter((outcome) => outcome.status === 'injected')).toHaveLength(1)
      expect(patchesOf(conversationId)).toHaveLength(3)
    } finally {
      clients.forEach((client) => client.disconnect())
    }
  })
})
