import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { BodyTimeoutError, BodyTooLargeError, isBodyTimeoutError, isBodyTooLargeError, readAtMost } from './body'
import { TokenRefusal } from './refusal'
import { StoreUnavailableError, type Store } from './store'

/**
 * `points` requests per `durationSeconds`, counted in the service's store when it has one (so every
 * instance shares one budget), else in this process; or a rate-limiter-flexible limiter of your own.
 */
export type RateLimit = { points: number; durationSeconds: number } | { limiter: RateLimiterAbstract } | false

/** What the service needs of a limiter: rate-limiter-flexible's `consume`, rejecting with a `RateLimiterRes` when over. */
export type Limiter = Pick<RateLimiterAbstract, 'consume'>

export interface SharedCounting {
  store: Store
  now: () => number
}

export function createLimiter(limit: RateLimit, name: string, keyPrefix: string, shared?: SharedCounting): Limiter | undefined {
  if (limit === false) return undefined
  if (typeof limit !== 'object' || limit === null) {
    throw new TypeError(`widget-token-server: ${name} must be { points, durationSeconds }, { limiter } or false, not ${typeof limit}`)
  }
  if ('limiter' in limit) {
    if (typeof limit.limiter?.consume !== 'function') throw new TypeError(`widget-token-server: ${name}.limiter must be a rate-limiter-flexible limiter`)
    return limit.limiter
  }
  const { points, durationSeconds } = limit
  if (!(points > 0) || !(durationSeconds > 0) || !Number.isFinite(points) || !Number.isFinite(durationSeconds)) {
    throw new TypeError(`widget-token-server: ${name} needs positive points and durationSeconds, e.g. { points: 30, durationSeconds: 60 }`)
  }
  if (shared) return createStoreLimiter(shared, keyPrefix, points, durationSeconds * 1000)
  return createMemoryLimiter(points, durationSeconds * 1000)
}

/**
 * A window per key from its first request, as rate-limiter-flexible's memory limiter counts, but
 * without a timer per key: expired windows go in sweeps once the map has doubled, so a request costs
 * O(1) on average and nothing is scheduled.
 */
function createMemoryLimiter(points: number, windowMs: number): Limiter {
  const windows = new Map<string, { count: number; endsAt: number }>()
  let sweepAbove = 1000
  return {
    async consume(key: string) {
      const at = Date.now()
      let window = windows.get(key)
      if (!window || window.endsAt <= at) {
        if (windows.size > sweepAbove) {
          for (const [stale, { endsAt }] of windows) if (endsAt <= at) windows.delete(stale)
          sweepAbove = Math.max(1000, windows.size * 2)
        }
        window = { count: 0, endsAt: at + windowMs }
        windows.set(key, window)
      }
      window.count++
      const result = new RateLimiterRes(Math.max(0, points - window.count), window.endsAt - at, window.count, window.count === 1)
      if (window.count > points) throw result
      return result
    },
  }
}

/**
 * Fixed windows counted with the store's atomic `increment`: one key per window, so the wait until
 * the next one is known without another round trip.
 */
function createStoreLimiter({ store, now }: SharedCounting, keyPrefix: string, points: number, windowMs: number): Limiter {
  return {
    async consume(key: string) {
      const at = now()
      const window = Math.floor(at / windowMs)
      const count = await store.increment(`limit:${keyPrefix}:${window}:${key}`, windowMs)
      const msBeforeNext = (window + 1) * windowMs - at
      const result = new RateLimiterRes(Math.max(0, points - count), msBeforeNext, count, false)
      if (count > points) throw result
      return result
    },
  }
}

/** Counts one request against `key`; over the limit, a 429 the SDK retries after `Retry-After`. */
export async function consume(limiter: Limiter | undefined, key: string, what: string): Promise<void> {
  if (!limiter) return
  try {
    await limiter.consume(key)
  } catch (rejection) {
    // A limiter whose store is down cannot promise its limit: refuse rather than let requests through.
    if (rejection instanceof StoreUnavailableError) throw rejection
    if (!(rejection instanceof RateLimiterRes)) throw new StoreUnavailableError({ cause: rejection })
    throw new TokenRefusal('rate_limited', 429, `too many token requests from this ${what}`, {
      retryAfterSeconds: rejection.msBeforeNext / 1000,
    })
  }
}

/**
 * Reads a request body within `maxBytes` and `timeoutMs`: over the size, a 413 the SDK does not
 * retry; too slow, a 408; a sender that hung up midway, a 400 nobody reads, and not a failure of ours.
 */
export async function readBodyWithin(request: Request, maxBytes: number, timeoutMs = 10_000): Promise<Uint8Array> {
  try {
    return await readBody(request, maxBytes, timeoutMs)
  } catch (error) {
    if (isBodyTooLargeError(error)) throw new TokenRefusal('body_too_large', 413, `the body is over ${maxBytes} bytes`)
    if (isBodyTimeoutError(error)) throw new TokenRefusal('body_timeout', 408, `the body did not arrive within ${timeoutMs} ms`)
    throw new TokenRefusal('body_incomplete', 400, 'the body ended before it was whole')
  }
}

/**
 * A declared length within the limit is read whole with `arrayBuffer()`: the server's HTTP framing
 * stops the body at that length, and @hono/node-server then reads the socket directly instead of
 * building a Web stream. Anything else is streamed and counted as it arrives.
 */
async function readBody(request: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared === null || !/^\d+$/.test(declared) || Number(declared) > maxBytes) return readAtMost(request, maxBytes, { timeoutMs })
  let timer: ReturnType<typeof setTimeout> | undefined
  const reading = request.arrayBuffer()
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeoutError(timeoutMs)), timeoutMs)
  })
  // A read that outlives its deadline has nobody left to tell.
  reading.catch(() => {})
  try {
    const body = new Uint8Array(await Promise.race([reading, expired]))
    // A Request made in-process may declare less than it holds.
    if (body.byteLength > maxBytes) throw new BodyTooLargeError(maxBytes)
    return body
  } finally {
    clearTimeout(timer)
  }
}
