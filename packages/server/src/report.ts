import type { RefusalCode } from './refusal'

/** What the service tells the operator, as data: every field is safe to log (no tokens, no session ids). */
export type OperatorEvent =
  | {
      type: 'refused'
      code: RefusalCode
      status: number
      method: string
      path: string
      /** What the browser was told. */
      message: string
      /** What the operator needs beyond it (e.g. the kids found and the kids configured). */
      context?: Record<string, unknown> | undefined
    }
  | { type: 'clock_drift'; driftMs: number; measuredAt: number }
  | { type: 'clock_source_failed'; message: string }
  | { type: 'store_down'; message: string }
  | { type: 'store_up'; downForMs: number; refused: number }
  | { type: 'keys_refresh_failed'; message: string }

export interface ReporterOptions {
  warn: (message: string) => void
  error: (message: string, error?: unknown) => void
  onEvent: ((event: OperatorEvent) => void) | undefined
  now: () => number
  /** Lines of one reason at most this often; the ones between are counted. */
  intervalMs: number
}

/**
 * Refusals the operator must see: each may mean a misconfiguration or an outage, not a visitor's
 * mistake. `store_unavailable` is not among them: an outage is one line when it starts and one when
 * it ends (`store_down`, `store_up`).
 */
const LOGGED_REFUSALS: ReadonlySet<RefusalCode> = new Set(['foreign_origin', 'rate_limited', 'clock_drift', 'clock_unverified', 'keys_unavailable'])

const withoutPrefix = (message: string) => message.replace(/^widget-token-server: /, '')

const reasonOf = (event: OperatorEvent) => (event.type === 'refused' ? `refused:${event.code}` : event.type)

function describe(event: OperatorEvent): string | undefined {
  switch (event.type) {
    case 'refused': {
      if (!LOGGED_REFUSALS.has(event.code)) return undefined
      const context = event.context ? ` ${JSON.stringify(event.context)}` : ''
      return `refused ${event.method} ${event.path}: ${event.status} ${event.code}: ${event.message}${context}`
    }
    case 'clock_drift':
      return `ALERT: this host's clock is ${Math.round(event.driftMs / 1000)} s off its reference: no tokens are signed until it is corrected (fix NTP on this host)`
    case 'clock_source_failed':
      return `the clock guard's time source failed: ${withoutPrefix(event.message).replace(/^clock source: /, '')}`
    case 'store_down':
      return `the shared store is unavailable (${event.message}): token requests get 503 store_unavailable until it answers`
    case 'keys_refresh_failed':
      return `the keys could not be read again (${withoutPrefix(event.message).replace(/^keys\(\) failed: /, '')}): signing goes on with the keys it has`
    case 'store_up':
      return `the shared store answers again after ${Math.round(event.downForMs / 1000)} s; ${event.refused} request(s) were refused meanwhile`
  }
}

/**
 * Hands every event to `onEvent` and logs it at warn, at most once per reason per interval, so that
 * a flood of one refusal is one line with a count rather than a line per request.
 */
export function createReporter({ warn, error: logError, onEvent, now, intervalMs }: ReporterOptions) {
  const reasons = new Map<string, { loggedAt: number; suppressed: number }>()

  function log(reason: string, line: string) {
    const at = now()
    const seen = reasons.get(reason)
    if (seen && at - seen.loggedAt < intervalMs) {
      seen.suppressed++
      return
    }
    const suppressed = seen?.suppressed ? ` (${seen.suppressed} more like it in the last ${Math.round(intervalMs / 1000)} s were not logged)` : ''
    reasons.set(reason, { loggedAt: at, suppressed: 0 })
    warn(`widget-token-server: ${line}${suppressed}`)
  }

  return (event: OperatorEvent): void => {
    try {
      onEvent?.(event)
    } catch (error) {
      // A metrics hook that throws must neither turn a refusal into a failure nor crash the process.
      logError('widget-token-server: onEvent threw', error)
    }
    const line = describe(event)
    if (line) log(reasonOf(event), line)
  }
}

export type Report = ReturnType<typeof createReporter>

/** Tells `store_down` once when the store first fails and `store_up` once it answers again. */
export function createStoreWatch(report: Report, now: () => number) {
  let outage: { since: number; refused: number } | undefined
  return {
    failed(cause: unknown) {
      if (!outage) {
        outage = { since: now(), refused: 0 }
        report({ type: 'store_down', message: cause instanceof Error ? cause.message : String(cause) })
      }
      outage.refused++
    },
    answered() {
      if (!outage) return
      report({ type: 'store_up', downForMs: now() - outage.since, refused: outage.refused })
      outage = undefined
    },
  }
}
