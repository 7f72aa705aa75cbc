import { randomUUID } from 'node:crypto'
import type { Models } from 'purecloud-platform-client-v2'
import { REFERENCE_CLAIM, type Correlation } from './correlation'
import type { CrmClient } from './crm'
import { createNotificationStream, type NotificationMessage, type NotificationStreamOptions } from './notifications'
import { defaultPlan, routeProfile, type AttributePlan, type RoutedAttributes } from './plan'
import { createPlatformSession, describe, systemClock, type Clock, type PlatformSessionOptions } from './platform'
import type { KeyValueStore } from './store'

export const queueTopic = (queueId: string) => `v2.routing.queues.${queueId}.conversations.messages`

export type InjectionOutcome =
  | { conversationId: string; status: 'injected'; attributeNames: { [Route in keyof RoutedAttributes]: string[] } }
  | { conversationId: string; status: 'already_handled' | 'unknown_reference' | 'no_profile' }
  | { conversationId: string; status: 'failed'; reason: string }

export interface InjectionWorkerOptions extends Omit<PlatformSessionOptions, 'log'> {
  /** The queues whose new message conversations get the profile. */
  queueIds: string[]
  /** Shared by every worker instance: the exactly-once marks live here. */
  store: KeyValueStore
  crm: CrmClient
  correlation: Pick<Correlation, 'resolve'>
  plan?: AttributePlan | undefined
  /** The customer participant's attribute that holds the token's reference. Default `cxRef`. */
  referenceAttribute?: string | undefined
  /** How long one worker may hold a conversation before another may take it over. Default 5 min. */
  claimTtlMs?: number | undefined
  /** How long a handled conversation is remembered. Default 48 h (longer than a conversation lives). */
  doneTtlMs?: number | undefined
  /** On the first start, conversations begun this long ago are looked up too. Default 15 min. */
  lookbackMs?: number | undefined
  /** After a reconnect, the gap is searched from this long before the old socket last spoke. Default 2 min. */
  recoveryMarginMs?: number | undefined
  heartbeatTimeoutMs?: NotificationStreamOptions['heartbeatTimeoutMs']
  expiryMarginMs?: NotificationStreamOptions['expiryMarginMs']
  reconnect?: NotificationStreamOptions['reconnect']
  /** Delay before trying a failed recovery query again, doubling up to `maxMs`. Default 5 s to 5 min. */
  recoveryRetry?: { baseMs: number; maxMs: number } | undefined
  onOutcome?: ((outcome: InjectionOutcome) => void) | undefined
  /** Receives one line per step. Lines name conversations and statuses, never profile values. */
  log?: ((line: string) => void) | undefined
}

export interface InjectionWorker {
  start(): Promise<void>
  stop(): void
  /** Looks for conversations the socket may have missed since `sinceMs`, and handles them. */
  recover(sinceMs: number): Promise<void>
  /** Frames skipped since the start because their shape was wrong: each was logged once. */
  readonly malformedFrames: number
}

type Participant = Pick<Models.MessageMediaParticipant, 'id' | 'purpose' | 'state' | 'endTime' | 'attributes'>

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The conversation an event names, or what is wrong with it. Every worker hears every frame, so a
 * frame that could throw would take all of them down at once.
 */
export function readConversation(eventBody: unknown): { id: string; participants: Participant[] } | string {
  if (eventBody === undefined) return 'no eventBody'
  if (!isObject(eventBody)) return 'eventBody is not an object'
  const { id, participants = [] } = eventBody
  if (typeof id !== 'string' || id === '') return 'the conversation id is not a string'
  if (!Array.isArray(participants)) return 'participants is not an array'
  if (!participants.every(isObject)) return 'a participant is not an object'
  return { id, participants: participants as Participant[] }
}

export function createInjectionWorker(options: InjectionWorkerOptions): InjectionWorker {
  const {
    queueIds,
    store,
    crm,
    correlation,
    plan = defaultPlan,
    referenceAttribute = REFERENCE_CLAIM,
    claimTtlMs = 5 * 60_000,
    doneTtlMs = 48 * 60 * 60_000,
    lookbackMs = 15 * 60_000,
    recoveryMarginMs = 2 * 60_000,
    recoveryRetry = { baseMs: 5000, maxMs: 5 * 60_000 },
    onOutcome = () => {},
    log = () => {},
  } = options
  const clock: Clock = options.clock ?? systemClock
  if (queueIds.length === 0) throw new TypeError('worker: at least one queueId is required')
  const workerId = randomUUID()
  const session = createPlatformSession({ ...options, clock, log })
  const topics = new Set(queueIds.map(queueTopic))
  const recovery = createRecoveryQueue({ recover: (sinceMs) => recover(sinceMs), clock, log, backoff: recoveryRetry })
  let malformedFrames = 0
  const stream = createNotificationStream({
    session,
    topics: [...topics],
    clock,
    log,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    expiryMarginMs: options.expiryMarginMs,
    reconnect: options.reconnect,
    onEvent: (message) => void receive(message),
    onMalformed: skip,
    onConnected: ({ reconnected, heardUntil }) => {
      recovery.run(reconnected && heardUntil !== undefined ? heardUntil - recoveryMarginMs : clock.now() - lookbackMs)
    },
  })
  const inFlight = new Map<string, Promise<void>>()

  async function receive(message: NotificationMessage) {
    if (!topics.has(message.topicName)) return
    const conversation = readConversation(message.eventBody)
    if (typeof conversation === 'string') skip(conversation)
    else await handle(conversation.id, conversation.participants)
  }

  function skip(fault: string) {
    malformedFrames++
    log(`worker: skipped a malformed frame (${fault})`)
  }

  /** Many events arrive per conversation; the ones after the first join it, or find it marked done. */
  function handle(conversationId: string, participants: Participant[]): Promise<void> {
    const customer = participants.find((participant) => participant.purpose === 'customer')
    const reference = isObject(customer?.attributes) ? customer.attributes[referenceAttribute] : undefined
    if (typeof reference !== 'string' || typeof customer?.id !== 'string' || !reference || customer.state === 'disconnected' || customer.endTime) return Promise.resolve()
    const customerParticipantId = customer.id
    let running = inFlight.get(conversationId)
    if (!running) {
      running = inject(conversationId, customerParticipantId, reference)
        .then(report)
        .finally(() => inFlight.delete(conversationId))
      inFlight.set(conversationId, running)
    }
    return running
  }

  function report(outcome: InjectionOutcome) {
    try {
      onOutcome(outcome)
    } catch (error) {
      log(`worker: onOutcome threw (${describe(error)})`)
    }
  }

  async function inject(conversationId: string, participantId: string, reference: string): Promise<InjectionOutcome> {
    const mark = `injection:${conversationId}`
    const claim = `claimed:${workerId}:${randomUUID()}`
    try {
      if (!(await store.setIfAbsent(mark, claim, claimTtlMs))) return { conversationId, status: 'already_handled' }
      const match = await correlation.resolve(reference)
      const profile = match && (await crm.profileFor(match.customerId))
      if (!match || !profile) {
        await store.set(mark, 'done', doneTtlMs)
        log(`worker: ${conversationId}: ${match ? 'no CRM profile' : 'reference matches no live session'}, nothing to write`)
        return { conversationId, status: match ? 'no_profile' : 'unknown_reference' }
      }
      const routed = routeProfile(profile, plan)
      await writeOnce(mark, 'messageParticipant', routed.messageParticipant, (attributes) =>
        session.conversations.patchConversationsMessageParticipantAttributes(conversationId, participantId, { body: { attributes } }),
      )
      await writeOnce(mark, 'participant', routed.participant, (attributes) =>
        session.conversations.patchConversationParticipantAttributes(conversationId, participantId, { attributes }),
      )
      await writeOnce(mark, 'secure', routed.secure, (attributes) => session.conversations.patchConversationSecureattributes(conversationId, { attributes }))
      await store.set(mark, 'done', doneTtlMs)
      const attributeNames = { messageParticipant: Object.keys(routed.messageParticipant), participant: Object.keys(routed.participant), secure: Object.keys(routed.secure) }
      log(`worker: ${conversationId}: wrote ${Object.values(attributeNames).flat().length} attribute(s)`)
      return { conversationId, status: 'injected', attributeNames }
    } catch (error) {
      // Let a later event, another worker or the next recovery try again.
      await release(mark, claim).catch(() => {})
      log(`worker: ${conversationId}: ${describe(error)}, released for another try`)
      return { conversationId, status: 'failed', reason: describe(error) }
    }
  }

  /** Without compare-and-delete in the store, the check narrows but cannot close the window in which the claim expired and was taken over. */
  async function release(mark: string, claim: string) {
    if ((await store.get(mark)) === claim) await store.delete(mark)
  }

  /** Each endpoint is marked on its own, so a retry after a partial failure does not write twice. */
  async function writeOnce(mark: string, route: string, attributes: Record<string, string>, patch: (attributes: Record<string, string>) => Promise<unknown>) {
    if (Object.keys(attributes).length === 0) return
    const stepMark = `${mark}:${route}`
    if ((await store.get(stepMark)) !== undefined) return
    await session.call(`${route} attributes`, () => patch(attributes))
    await store.set(stepMark, 'done', doneTtlMs)
  }

  async function recover(sinceMs: number) {
    const ids = await conversationsSince(sinceMs)
    log(`worker: recovery found ${ids.length} active conversation(s) since ${new Date(sinceMs).toISOString()}`)
    for (const conversationId of ids) {
      try {
        if ((await store.get(`injection:${conversationId}`)) === 'done') continue
        const conversation = await session.call('getConversationsMessage', () => session.conversations.getConversationsMessage(conversationId))
        await handle(conversationId, conversation.participants ?? [])
      } catch (error) {
        log(`worker: recovery skipped ${conversationId} (${describe(error)}); its next event or recovery will retry`)
      }
    }
  }

  async function conversationsSince(sinceMs: number): Promise<string[]> {
    const ids: string[] = []
    for (let pageNumber = 1; ; pageNumber++) {
      const query: Models.ConversationQuery = {
        interval: `${new Date(sinceMs).toISOString()}/${new Date(clock.now() + 60_000).toISOString()}`,
        order: 'asc',
        orderBy: 'conversationStart',
        paging: { pageSize: 100, pageNumber },
        conversationFilters: [{ type: 'and', predicates: [{ type: 'dimension', dimension: 'conversationEnd', operator: 'notExists' }] }],
        segmentFilters: [
          { type: 'or', predicates: queueIds.map((queueId) => ({ type: 'dimension', dimension: 'queueId', operator: 'matches', value: queueId })) },
          { type: 'and', predicates: [{ type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'message' }] },
        ],
      }
      const page = await session.call('postAnalyticsConversationsDetailsQuery', () => session.conversations.postAnalyticsConversationsDetailsQuery(query))
      const conversations = page.conversations ?? []
      for (const conversation of conversations) if (conversation.conversationId) ids.push(conversation.conversationId)
      if (conversations.length < 100) return ids
    }
  }

  return {
    async start() {
      await session.login()
      await stream.start()
    },
    stop() {
      recovery.stop()
      stream.stop()
      session.stop()
    },
    recover,
    get malformedFrames() {
      return malformedFrames
    },
  }
}

interface RecoveryQueueOptions {
  recover(sinceMs: number): Promise<void>
  clock: Clock
  log(line: string): void
  backoff: { baseMs: number; maxMs: number }
}

/**
 * One recovery query in flight or waiting at a time: a gap reported meanwhile widens the next query's
 * start, and a failed query is tried again after a doubling delay, since the gap it covers is otherwise
 * never searched.
 */
function createRecoveryQueue({ recover, clock, log, backoff }: RecoveryQueueOptions) {
  let pendingSince: number | undefined
  let busy = false
  let stopped = false
  let timer: unknown
  let failures = 0

  function next() {
    timer = undefined
    busy = !stopped && pendingSince !== undefined
    if (!busy || pendingSince === undefined) return
    const sinceMs = pendingSince
    pendingSince = undefined
    recover(sinceMs).then(
      () => {
        failures = 0
        next()
      },
      (error: unknown) => {
        pendingSince = Math.min(sinceMs, pendingSince ?? sinceMs)
        const delayMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** failures++)
        log(`worker: recovery failed (${describe(error)}), trying again in ${delayMs} ms`)
        if (stopped) busy = false
        else timer = clock.setTimeout(next, delayMs)
      },
    )
  }

  return {
    run(sinceMs: number) {
      stopped = false
      pendingSince = Math.min(sinceMs, pendingSince ?? sinceMs)
      if (!busy) next()
    },
    stop() {
      stopped = true
      busy = false
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
  }
}
