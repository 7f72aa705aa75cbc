import type { WidgetAdapter, WidgetHost } from './adapters/adapter'
import { createTimeline } from './clock'
import { asWidgetTokenError, isWidgetTokenError, WidgetTokenError } from './errors'
import { isolate, type State } from './events'
import { handOver, type HandoverConfig } from './handover'
import type { PageSetup, PageSignal } from './page'
import { createRecovery, type RetryPolicy } from './policy'
import { createTimer, planRefresh, type Plan } from './schedule'
import { requestToken, type FetchToken, type Reason, type TokenResponse } from './source'
import type { TabLink, TabSync } from './tabs'
import type { Trail } from './trail'

/** What every session of one manager shares: its options, resolved. */
export interface SessionConfig extends HandoverConfig {
  widget: WidgetAdapter
  fetchToken: FetchToken
  page: PageSetup
  random: () => number
  leewayMs: number
  policy: RetryPolicy
  /** Shares tokens with the other tabs under `tabKey`; unset, the session works alone. */
  tabs: TabSync | undefined
  channelKey: string | undefined
  /** Tells the page the session's state, each time it may have changed. */
  announce(state: State): void
  log: Trail
}

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
/**
 * A tab that follows another tab's tokens refreshes a little later than that tab (2.4 s of a 120 s
 * leeway): the other tab's next token then usually arrives first, and its own timer never fires.
 */
const FOLLOWER_LEEWAY = 0.98

type Waiter = [resolve: (token: string) => void, reject: (reason: unknown) => void]

export function openSession(config: SessionConfig): Session {
  const { widget, clock, events, log } = config
  const controller = new AbortController()
  const { signal } = controller
  const timeline = createTimeline(clock)
  const timer = createTimer(clock, timeline)
  const recovery = createRecovery(config.policy, config.random)
  const waiters: Waiter[] = []
  const teardowns: Array<() => void> = []
  let phase: 'running' | 'ended' | 'stopped' = 'running'
  let flight: Promise<string> | undefined
  let plan: Plan | undefined
  let retry: { at: number; reason: Reason } | undefined
  let expiredAnnounced = false
  // The widget lost its session since its last token: the next one starts it again.
  let lost = false
  // A token another tab shared while this one handed over another: the newer, it follows.
  let sharedNext: TokenResponse | undefined
  let tab: TabLink | undefined

  const state = (): State => {
    if (phase !== 'running') return phase
    if (!plan) return 'starting'
    if (expiredAnnounced) return 'expired'
    if (lost) return 'recovering'
    return flight ? 'refreshing' : 'active'
  }

  function run(reason: Reason, shared?: TokenResponse): Promise<string> {
    if (flight) return flight
    retry = undefined
    if (!shared) log({ step: 'request', reason })
    const thisFlight = (flight = obtain(reason, shared))
    const settled = (token?: string) => {
      flight = undefined
      // A credential that can be redeemed once goes to one consumer; the next one gets its own.
      if (token) for (const [resolve] of waiters.splice(0, widget.singleUse ? 1 : Infinity)) resolve(token)
      if (token && waiters.length > 0) void run(reason)
      reconcile()
    }
    // Runs before the callers' own handlers, so they see the session settled.
    thisFlight.then(settled, () => settled())
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
      // Read after the answer: the widget may have dropped its session while the request was out.
      const delivery = { first, restart: lost || expiredAnnounced, signal }
      accept(sentAt, await handOver(response, delivery, config), response.shared ? 'tab' : reason)
      return response.token
    } catch (thrown) {
      if (signal.aborted) throw signal.reason
      const error = asWidgetTokenError(thrown)
      fail(error)
      throw error
    }
  }

  function accept(sentAt: number, lifetimeMs: number, reason: Reason): void {
    const deliveredAt = timeline.now()
    recovery.delivered(deliveredAt)
    const next = planRefresh(sentAt, lifetimeMs, config.leewayMs * (reason === 'tab' ? FOLLOWER_LEEWAY : 1), deliveredAt)
    // A widget that asks for its tokens gets none it did not ask for.
    plan = widget.apply ? next : { ...next, refreshAt: Infinity }
    expiredAnnounced = lost = false
    log({ step: 'planned', reason, refreshInMs: plan.refreshAt - deliveredAt, expiresInMs: plan.expiresAt - deliveredAt })
    events.emit('token', { reason, issuedAt: timeline.toEpoch(sentAt), expiresAt: timeline.toEpoch(plan.expiresAt), lifetimeMs })
  }

  function fail(error: WidgetTokenError): void {
    const delayMs = recovery.failed(error, timeline.now(), plan?.expiresAt)
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

  /** Tells the page, once per token, that the widget's token ran out. */
  function announceExpiry(expiredAt: number): void {
    if (expiredAnnounced) return
    expiredAnnounced = true
    log({ step: 'expired' })
    events.emit('expired', { expiredAt: timeline.toEpoch(expiredAt) })
  }

  /** When the widget's token runs out, unless that was told already; a pull widget says so itself. */
  function pendingExpiry(): number {
    return plan && widget.apply && !expiredAnnounced ? plan.expiresAt : Infinity
  }

  /** Does what is due now, then aims the one timer at the next thing due. */
  function reconcile(trigger?: Reason): void {
    if (phase !== 'running') return config.announce(phase)
    if (sharedNext && !flight) {
      const shared = sharedNext
      sharedNext = undefined
      return void run('tab', shared)
    }
    const now = timeline.now()
    if (now >= pendingExpiry()) announceExpiry(pendingExpiry())
    config.announce(state())
    // A pull widget's retry waits for the widget to ask again.
    const wanted = widget.apply || waiters.length > 0
    const dueAt = flight || !wanted ? Infinity : (retry?.at ?? plan?.refreshAt ?? Infinity)
    // The network coming back cuts one backoff short, not every backoff.
    const onlineRetry = retry && wanted && !flight && trigger === 'online' && recovery.online()
    if (now >= dueAt || onlineRetry) return void run(trigger ?? retry?.reason ?? 'schedule')
    if (trigger) log({ step: 'checked', signal: trigger as PageSignal, dueInMs: dueAt - now })
    const wakeAt = Math.min(dueAt, pendingExpiry())
    if (wakeAt === Infinity) timer.cancel()
    else timer.at(wakeAt, (lateByMs) => reconcile(lateByMs > LATE_TIMER_MS ? 'resume' : undefined))
  }

  /**
   * The widget dropped its token, said it ran out, or refused one: it gets another at once, or after
   * backoff when it is rejecting tokens (see `createRecovery`).
   */
  function dropped(reason: Reason, error?: WidgetTokenError): void {
    if (phase !== 'running') return
    lost = true
    if (reason === 'expired' && plan) announceExpiry(timeline.now())
    // The request under way brings the widget back; a planned try stands, except for a widget left
    // without a token, which may be answered at once.
    if (flight || (retry && reason !== 'expired')) return reconcile()
    const now = timeline.now()
    const delayMs = recovery.dropped(now, !!error, !!plan && now >= plan.expiresAt)
    log({ step: 'rejected', reason, retryInMs: delayMs })
    if (!delayMs) return void run(reason)
    if (!retry) retryLater(error ?? new WidgetTokenError('widget_rejected', `${reason} within 10 s of a new token`), delayMs, reason)
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
    disconnected: () => dropped('disconnect'),
    expired: () => dropped('expired'),
    // An adapter that knows the widget cannot work (its script never came) says so with an error that
    // is not retryable: that ends the run like any such failure.
    refused: (cause) =>
      isWidgetTokenError(cause) && !cause.retryable
        ? phase === 'running' && end(cause)
        : dropped('refused', new WidgetTokenError('widget_rejected', 'refused', { cause })),
  }

  function close(next: 'ended' | 'stopped', reason: unknown): void {
    phase = next
    log({ step: next })
    controller.abort(reason)
    timer.cancel()
    retry = undefined
    for (const teardown of teardowns.splice(0)) isolate(teardown)
    for (const [, reject] of waiters.splice(0)) reject(reason)
    reconcile()
  }

  function end(error: WidgetTokenError): void {
    if (error.code === 'unauthorized') tab?.signOut()
    close('ended', error)
    isolate(() => widget.ended?.(error))
    events.emit('error', error)
    events.emit('ended', { error })
  }

  const link = joinTabs()
  // Another tab's sign-out may have ended the run while the link opened.
  if (link && phase !== 'running') isolate(() => link.close())
  else if (link) teardowns.push(() => link.close())
  tab = link
  if (phase === 'running') {
    try {
      teardowns.push(config.page((pageSignal) => reconcile(pageSignal)))
      const detach = widget.attach(host)
      // The adapter may have ended the run from inside attach().
      if (phase === 'running') teardowns.push(detach)
      else isolate(detach)
    } catch (error) {
      end(new WidgetTokenError('widget_unavailable', 'attach() threw', { cause: error }))
    }
  }
  const started = phase !== 'running' ? Promise.reject(signal.reason as unknown) : widget.apply ? nextToken().then(() => {}) : Promise.resolve()
  reconcile()

  /** The link to the other tabs, or none when the session works alone. */
  function joinTabs(): TabLink | undefined {
    if (config.channelKey === undefined || widget.singleUse) return undefined
    return config.tabs?.(
      config.channelKey,
      {
        // A link of your own may call after close(); a token that comes during a hand-over follows it.
        adopt: (response) => {
          if (phase === 'running') sharedNext = response
          reconcile()
        },
        signedOut: () => {
          if (phase === 'running') end(new WidgetTokenError('unauthorized', 'signed out in another tab'))
        },
      },
      clock,
    )
  }

  return {
    get state() {
      return state()
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
