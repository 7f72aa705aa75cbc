import { TokenRefusal } from './refusal'
import type { Report } from './report'

/** What the clock guard does while it has no trustworthy measurement. */
export type ClockUnknownPolicy = 'refuse' | 'issue'

export interface ClockGuardOptions {
  /**
   * An `https:` URL whose `Date` header is authoritative: the organization's identity provider or the
   * region's API host. Read with `HEAD`.
   */
  url?: string | undefined
  /** Or a function that reads the authoritative time (epoch ms or a `Date`). Replaces `url`. */
  readTime?: (() => number | Date | Promise<number | Date>) | undefined
  /** Refuse to sign beyond this offset. Default 10 000. */
  maxDriftMs?: number | undefined
  /** Time between measurements. Default 300 000 (5 minutes); 30 s after a failure or a drift. */
  intervalMs?: number | undefined
  /**
   * While no measurement could be taken (the source failed or answered nonsense, and the last good
   * one is older than two intervals): `'refuse'` answers 503 (default), `'issue'` keeps signing. Both
   * report each failure through `onError`.
   */
  whenUnknown?: ClockUnknownPolicy | undefined
  /** Called when a measurement finds the drift over `maxDriftMs`: alert operations. */
  onDrift?: ((event: { driftMs: number; measuredAt: number }) => void) | undefined
  /** Called when the source cannot be read or answers nonsense. */
  onError?: ((error: ClockSourceError) => void) | undefined
  /** For `url`. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch | undefined
}

/** The clock guard's time source failed or answered something that is not a time. */
export class ClockSourceError extends Error {
  override readonly name = 'ClockSourceError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(`widget-token-server: clock source: ${message}`, options)
  }
}

export type ClockVerdict =
  | { ok: true }
  | { ok: false; reason: 'clock_drift' | 'clock_unverified'; driftMs?: number; retryAfterSeconds: number }

const SAMPLES = 3
const RETRY_MS = 30_000
const SOURCE_TIMEOUT_MS = 5_000
// 2001-09-09 and 2286-11-20: anything outside is not a clock reading.
const PLAUSIBLE = { min: 1e12, max: 1e13 }

// The Date header is truncated to the second: its true time lies anywhere within that second.
const HALF_SECOND = 500

function readDateHeader(url: string, fetch: typeof globalThis.fetch) {
  const parsed = new URL(url)
  if (parsed.protocol !== 'https:') throw new TypeError(`widget-token-server: clock.url must be an https: URL, not ${url}: a Date header read over plain http can be forged`)
  return async () => {
    const response = await fetch(parsed, { method: 'HEAD', cache: 'no-store', redirect: 'manual', signal: AbortSignal.timeout(SOURCE_TIMEOUT_MS) })
    const header = response.headers.get('date')
    if (!header) throw new ClockSourceError(`${parsed.origin} sent no Date header`)
    return Date.parse(header) + HALF_SECOND
  }
}

function asEpochMs(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : value
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < PLAUSIBLE.min || ms > PLAUSIBLE.max) {
    throw new ClockSourceError(`answered ${typeof value === 'number' ? String(value) : typeof value}, not a time in epoch ms`)
  }
  return ms
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClockSourceError(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const MIN_INTERVAL_MS = 1_000

const isUrl = (value: unknown) => {
  try {
    return Boolean(new URL(String(value)))
  } catch {
    return false
  }
}

// A value that is not a number would turn the guard off (NaN compares false) or make it spin (0).
function checkClockOptions(options: ClockGuardOptions) {
  const { maxDriftMs, intervalMs, whenUnknown } = options
  if (maxDriftMs !== undefined && !(typeof maxDriftMs === 'number' && maxDriftMs > 0 && Number.isFinite(maxDriftMs))) {
    throw new TypeError(`widget-token-server: clock.maxDriftMs must be a positive number of milliseconds, not ${String(maxDriftMs)}: e.g. 10000 (the default)`)
  }
  if (intervalMs !== undefined && !(typeof intervalMs === 'number' && intervalMs >= MIN_INTERVAL_MS && Number.isFinite(intervalMs))) {
    throw new TypeError(`widget-token-server: clock.intervalMs must be at least ${MIN_INTERVAL_MS} milliseconds, not ${String(intervalMs)}: e.g. 300000 (the default, 5 minutes)`)
  }
  if (whenUnknown !== undefined && whenUnknown !== 'refuse' && whenUnknown !== 'issue') {
    throw new TypeError(`widget-token-server: clock.whenUnknown must be 'refuse' or 'issue'`)
  }
  for (const name of ['readTime', 'onDrift', 'onError', 'fetch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`widget-token-server: clock.${name} must be a function, not ${typeof options[name]}`)
  }
  if (options.url !== undefined && !isUrl(options.url)) {
    throw new TypeError(`widget-token-server: clock.url must be an https: URL whose Date header is authoritative, e.g. 'https://login.mypurecloud.com', not ${JSON.stringify(options.url)}`)
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/**
 * Measures this host's clock against an authoritative one in the background: three readings, each
 * corrected by half its round trip, the median kept. Requests only read the last verdict.
 */
export function createClockGuard(options: ClockGuardOptions, now: () => number) {
  checkClockOptions(options)
  const maxDriftMs = options.maxDriftMs ?? 10_000
  const intervalMs = options.intervalMs ?? 300_000
  const whenUnknown = options.whenUnknown ?? 'refuse'
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const read = options.readTime ?? (options.url ? readDateHeader(options.url, fetchFn) : undefined)
  if (!read) throw new TypeError('widget-token-server: the clock guard needs a url or readTime')

  let lastGood: { driftMs: number; measuredAt: number } | undefined
  let measuring: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  async function sample(): Promise<number> {
    const sentAt = now()
    const reference = asEpochMs(await withTimeout(Promise.resolve().then(read), SOURCE_TIMEOUT_MS))
    const receivedAt = now()
    return reference + (receivedAt - sentAt) / 2 - receivedAt
  }

  async function measure(): Promise<void> {
    let next = intervalMs
    try {
      const offsets: number[] = []
      for (let index = 0; index < SAMPLES; index++) offsets.push(await sample())
      // Positive drift: this host is behind the reference.
      const driftMs = -median(offsets)
      lastGood = { driftMs, measuredAt: now() }
      if (Math.abs(driftMs) > maxDriftMs) {
        next = RETRY_MS
        options.onDrift?.({ ...lastGood })
      }
    } catch (error) {
      next = RETRY_MS
      const failure = error instanceof ClockSourceError ? error : new ClockSourceError('could not be read', { cause: error })
      options.onError?.(failure)
    }
    schedule(next)
  }

  function schedule(delayMs: number) {
    if (closed) return
    timer = setTimeout(start, delayMs)
    ;(timer as { unref?: () => void }).unref?.()
  }

  function start() {
    measuring = measure().finally(() => {
      measuring = undefined
    })
  }

  function verdict(): ClockVerdict {
    const fresh = lastGood && now() - lastGood.measuredAt <= 2 * intervalMs ? lastGood : undefined
    if (!fresh) {
      return whenUnknown === 'issue' ? { ok: true } : { ok: false, reason: 'clock_unverified', retryAfterSeconds: RETRY_MS / 1000 }
    }
    if (Math.abs(fresh.driftMs) > maxDriftMs) return { ok: false, reason: 'clock_drift', driftMs: fresh.driftMs, retryAfterSeconds: RETRY_MS / 1000 }
    return { ok: true }
  }

  start()
  return {
    /** The current verdict; before the first measurement completes, waits for it. */
    async check(): Promise<ClockVerdict> {
      if (!lastGood && measuring) await measuring
      return verdict()
    },
    close() {
      closed = true
      clearTimeout(timer)
    },
  }
}

/** The guard's findings reach the operator's log and `onEvent` as well as the hooks given. */
function reporting(options: ClockGuardOptions, report: Report): ClockGuardOptions {
  return {
    ...options,
    onDrift(event) {
      report({ type: 'clock_drift', ...event })
      options.onDrift?.(event)
    },
    onError(error) {
      report({ type: 'clock_source_failed', message: error.message })
      options.onError?.(error)
    },
  }
}

/**
 * The service's clock guard: `check()` rejects with a 503 refusal while the clock cannot be trusted.
 * Left out of the options, there is none, and a warning says so.
 */
export function createServiceClockGuard(options: ClockGuardOptions | false | undefined, now: () => number, report: Report, warn: (message: string) => void) {
  if (options === undefined) {
    warn('widget-token-server: no clock guard configured: tokens are signed whatever this host’s clock says. Pass clock: { url } (or clock: false to accept the risk).')
  }
  if (options !== undefined && options !== false && (typeof options !== 'object' || options === null)) {
    throw new TypeError("widget-token-server: clock must be { url } or { readTime }, or false to turn the guard off, e.g. clock: { url: 'https://login.mypurecloud.com' }")
  }
  if (options) checkClockOptions(options)
  const guard = options ? createClockGuard(reporting(options, report), now) : undefined
  return {
    async check(): Promise<void> {
      const verdict = await guard?.check()
      if (!verdict || verdict.ok) return
      const message =
        verdict.reason === 'clock_drift'
          ? `the server clock is ${Math.round(verdict.driftMs! / 1000)} s off its reference; tokens are not issued until it is corrected`
          : 'the server clock could not be checked against its reference; tokens are not issued until it is'
      throw new TokenRefusal(verdict.reason, 503, message, { retryAfterSeconds: verdict.retryAfterSeconds })
    },
    close() {
      guard?.close()
    },
  }
}
