import type { WidgetAdapter, WidgetHost } from './adapters/adapter'
import { createTimeline, type Clock } from './clock'
import { asWidgetTokenError, isWidgetTokenError, WidgetTokenError } from './errors'
import { isolate, type Emitter } from './events'
import type { PageSetup, PageSignal } from './page'
import { backoffDelay, isInvalidAnswer, retryInMs, type RetryPolicy } from './policy'
import { createTimer, planRefresh, type Plan } from './schedule'
import { handOver } from './handover'
import { requestToken, type FetchToken, type Reason, type TokenResponse } from './source'
import type { TabSync } from './tabs'
import type { Trail } from './trail'

/** What every session of one manager shares: its options, resolved. */
export interface SessionConfig {
  widget: WidgetAdapter
  fetchToken: FetchToken
  clock: Clock
  page: PageSetup
  random: () => number
  leewayMs: number
  timeoutMs: number
  policy: RetryPolicy
  audience: string | undefined
  /** Shares tokens with the other tabs under `tabKey`; unset, the session works alone. */
  tabs: TabSync | undefined
  tabKey: string | undefined
  events: Emitter
  log: Trail
}

export type State = 'idle' | 'starting' | 'active' | 'refreshing' | 'expired' | 'ended' | 'stopped'

/** One run of the manager, from `start()` to `stop()` or the end. It owns everything it starts. */
export interface Session {
  readonly state: State
  /** When the widget's token runs out, epoch ms on the local clock. */
  readonly expiresAt: number | undefined
  /** Settles once the widget has its first token, or when the session ends or stops. */
  readonly started: Promise<void>
  refresh(): Promise<void>
  stop(): void
}

/** A timer this late means the device slept or the tab was frozen. */
const LATE_TIMER_MS = 30_000
/**
 * A refresh this far past its planned time means this tab's timers stood still (frozen, asleep), and
 * its messages with them: the other tabs may have shared a token it never heard of. Hidden tabs'
 * timers run up to a second late without that.
 */
const OVERDUE_MS = 2000

type Waiter = [resolve: (token: string) => void, reject: (reason: unknown) => void]

export function openSession(config: SessionConfig): Session {
  const { widget, clock, events, policy, random, log } = config
  const controller = new AbortController()
  const { signal } = controller
  const timeline = createTimeline(clock)
  const timer = createTimer(clock, timeline)
  const waiters: Waiter[] = []
  const teardowns: Array<() => void> = []
  let phase: 'running' | 'ended' | 'stopped' = 'running'
  let flight: Promise<string> | undefined
  let plan: Plan | undefined
  let retry: { at: number; reason: Reason } | undefined
  let expiredAnnounced = false
  let failures = 0
  let invalidInARow = 0
  let rejections = 0
  let onlineUsed = false
  let deliveredAt: number | undefined
  // A token another tab shared while this one handed over another: the newer, it follows.
  let sharedNext: TokenResponse | undefined

  function run(reason: Reason, shared?: TokenResponse): Promise<string> {
    if (flight) return flight
    retry = undefined
    if (!shared) log({ step: 'request', reason })
    const thisFlight = (flight = obtain(reason, shared))
    // Runs before the callers' own handlers, so they see the session settled.
    thisFlight.then(
      (token) => {
        flight = undefined
        // A credential that can be redeemed once goes to one consumer; the next one gets its own.
        for (const [resolve] of waiters.splice(0, widget.singleUse ? 1 : Infinity)) resolve(token)
        if (waiters.length > 0) void run(reason)
        reconcile()
      },
      () => {
        flight = undefined
        reconcile()
      },
    )
    reconcile()
    return thisFlight
  }

  async function obtain(reason: Reason, shared?: TokenResponse): Promise<string> {
    const sentAt = timeline.now()
    const first = plan === undefined
    try {
      const request = () => requestToken(config.fetchToken, { reason, refresh: !first }, { timeoutMs: config.timeoutMs, clock, signal })
      const askTabs = !plan || sentAt - plan.refreshAt > OVERDUE_MS
      const response = shared ?? (await (tab ? tab.request(request, signal, askTabs) : request()))
      accept(sentAt, await handOver(response, first, signal, config), response.shared ? 'tab' : reason)
      return response.token
    } catch (thrown) {
      if (signal.aborted) throw signal.reason
      const error = asWidgetTokenError(thrown)
      fail(error)
      throw error
    }
  }

  function accept(sentAt: number, lifetimeMs: number, reason: Reason): void {
    deliveredAt = timeline.now()
    const next = planRefresh(sentAt, lifetimeMs, config.leewayMs, deliveredAt)
    // A widget that asks for its tokens gets none it did not ask for.
    plan = widget.apply ? next : { ...next, refreshAt: Infinity }
    expiredAnnounced = onlineUsed = false
    failures = invalidInARow = 0
    log({ step: 'planned', reason, refreshInMs: plan.refreshAt - deliveredAt, expiresInMs: plan.expiresAt - deliveredAt })
    events.emit('token', { reason, issuedAt: timeline.toEpoch(sentAt), expiresAt: timeline.toEpoch(plan.expiresAt), lifetimeMs })
  }

  function fail(error: WidgetTokenError): void {
    failures++
    invalidInARow = isInvalidAnswer(error) ? invalidInARow + 1 : 0
    const delayMs = retryInMs(error, { failures, invalidInARow, policy, random, now: timeline.now(), expiresAt: plan?.expiresAt })
    error.retryable = delayMs !== undefined
    log({ step: 'failed', code: error.code, retryInMs: delayMs })
    if (delayMs === undefined) return end(error)
    retryLater(error, delayMs, 'retry')
  }

  /** Plans the next try and tells the page when it will be. */
  function retryLater(error: WidgetTokenError, delayMs: number, reason: Reason): void {
    error.retryInMs = delayMs
    retry = { at: timeline.now() + delayMs, reason }
    events.emit('error', error)
  }

  /** Does what is due now, then aims the one timer at the next thing due. */
  function reconcile(trigger?: Reason): void {
    if (phase !== 'running') return
    if (sharedNext && !flight) {
      const shared = sharedNext
      sharedNext = undefined
      return void run('tab', shared)
    }
    const now = timeline.now()
    let expiryAt = plan && widget.apply && !expiredAnnounced ? plan.expiresAt : Infinity
    if (now >= expiryAt) {
      expiredAnnounced = true
      log({ step: 'expired' })
      events.emit('expired', { expiredAt: timeline.toEpoch(expiryAt) })
      expiryAt = Infinity
    }
    // A pull widget's retry waits for the widget to ask again.
    const wanted = widget.apply || waiters.length > 0
    const dueAt = flight || !wanted ? Infinity : (retry?.at ?? plan?.refreshAt ?? Infinity)
    // The network coming back cuts one backoff short, not every backoff.
    const pullRetry = retry && wanted && !flight && trigger === 'online' && !onlineUsed
    if (now >= dueAt || pullRetry) {
      onlineUsed ||= !!pullRetry
      void run(trigger ?? retry?.reason ?? 'schedule')
      return
    }
    if (trigger) log({ step: 'checked', signal: trigger as PageSignal, dueInMs: dueAt - now })
    const wakeAt = Math.min(dueAt, expiryAt)
    if (wakeAt === Infinity) timer.cancel()
    else timer.at(wakeAt, (lateByMs) => reconcile(lateByMs > LATE_TIMER_MS ? 'resume' : undefined))
  }

  /**
   * The widget turned a token down, or says it ran out of one: the first time it gets another at
   * once, then only after backoff.
   */
  function rejected(reason: Reason, error?: WidgetTokenError): void {
    if (phase !== 'running' || flight) return
    // A widget that stayed connected for a while had a fresh problem; one that drops right after a
    // new token is rejecting tokens, and its refreshes back off like failures.
    if (deliveredAt !== undefined && timeline.now() - deliveredAt >= policy.maxMs) rejections = 0
    const atOnce = rejections === 0 && !error
    // A planned try stands, except for a widget left without a token that may be answered at once.
    if (retry && !(atOnce && reason === 'expired')) return
    const delayMs = atOnce ? 0 : Math.max(policy.baseMs, backoffDelay(rejections, policy, random))
    rejections++
    log({ step: 'rejected', reason, retryInMs: delayMs })
    if (!delayMs) return void run(reason)
    retryLater(error ?? new WidgetTokenError('widget_rejected', reason), delayMs, reason)
    reconcile()
  }

  /** The next token to reach the widget, through retries; rejects only when the session ends or stops. */
  function nextToken(reason: Reason = 'start'): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (phase !== 'running') return reject(notRunning())
      waiters.push([resolve, reject])
      if (retry) reconcile()
      else void run(reason)
    })
  }

  const host: WidgetHost = {
    token: nextToken,
    disconnected: () => rejected('disconnect'),
    expired: () => rejected('expired'),
    // An adapter that knows the widget cannot work (its script never came) says so with an error that
    // is not retryable: that ends the run like any such failure.
    refused: (cause) =>
      isWidgetTokenError(cause) && !cause.retryable
        ? phase === 'running' && end(cause)
        : rejected('retry', new WidgetTokenError('widget_rejected', 'refused', { cause })),
  }

  function close(next: 'ended' | 'stopped', reason: unknown): void {
    phase = next
    log({ step: next })
    controller.abort(reason)
    timer.cancel()
    retry = undefined
    for (const teardown of teardowns.splice(0)) isolate(teardown)
    for (const [, reject] of waiters.splice(0)) reject(reason)
  }

  function end(error: WidgetTokenError): void {
    if (error.code === 'unauthorized') tab?.signOut()
    close('ended', error)
    isolate(() => widget.ended?.(error))
    events.emit('error', error)
    events.emit('ended', { error })
  }

  const tab =
    config.tabKey === undefined || widget.singleUse
      ? undefined
      : config.tabs?.(config.tabKey, {
          // A link of your own may call after close(); a token that comes during a hand-over follows it.
          adopt: (response) => {
            if (phase === 'running') sharedNext = response
            reconcile()
          },
          signedOut: () => {
            if (phase === 'running') end(new WidgetTokenError('unauthorized', 'signed out in another tab'))
          },
        })
  if (tab) teardowns.push(() => tab.close())
  teardowns.push(config.page((pageSignal) => reconcile(pageSignal)))
  try {
    const detach = widget.attach(host)
    // The adapter may have ended the run from inside attach().
    if (phase === 'running') teardowns.push(detach)
    else isolate(detach)
  } catch (error) {
    end(new WidgetTokenError('widget_unavailable', 'attach', { cause: error }))
  }
  const started = phase !== 'running' ? Promise.reject(signal.reason as unknown) : widget.apply ? nextToken().then(() => {}) : Promise.resolve()

  return {
    get state(): State {
      if (phase !== 'running') return phase
      if (!plan) return 'starting'
      if (expiredAnnounced) return 'expired'
      return flight ? 'refreshing' : 'active'
    },
    get expiresAt() {
      return plan && timeline.toEpoch(plan.expiresAt)
    },
    started,
    refresh: () => (phase === 'running' ? run('manual').then(() => {}) : Promise.reject(notRunning())),
    stop() {
      if (phase === 'running') close('stopped', new DOMException('stopped', 'AbortError'))
    },
  }
}

export const notRunning = () => new DOMException('not started', 'InvalidStateError')
