import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { isBodyTimeoutError, isBodyTooLargeError, readAtMost } from './body'
import { TokenRefusal } from './refusal'
import { StoreUnavailableError } from './store'

/** `points` requests per `durationSeconds`, counted in this process; or a limiter of your own (e.g. Redis). */
export type RateLimit = { points: number; durationSeconds: number } | { limiter: RateLimiterAbstract } | false

export function createLimiter(limit: RateLimit, name: string, keyPrefix: string): RateLimiterAbstract | undefined {
  if (limit === false) return undefined
  if (typeof limit !== 'object' || limit === null) {
    throw new TypeError(`widget-token/server: ${name} must be { points, durationSeconds }, { limiter } or false, not ${typeof limit}`)
  }
  if ('limiter' in limit) {
    if (typeof limit.limiter?.consume !== 'function') throw new TypeError(`widget-token/server: ${name}.limiter must be a rate-limiter-flexible limiter`)
    return limit.limiter
  }
  const { points, durationSeconds } = limit
  if (!(points > 0) || !(durationSeconds > 0) || !Number.isFinite(points) || !Number.isFinite(durationSeconds)) {
    throw new TypeError(`widget-token/server: ${name} needs positive points and durationSeconds, e.g. { points: 30, durationSeconds: 60 }`)
  }
  return new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds })
}

/** Counts one request against `key`; over the limit, a 429 the SDK retries after `Retry-After`. */
export async function consume(limiter: RateLimiterAbstract | undefined, key: string, what: string): Promise<void> {
  if (!limiter) return
  try {
    await limiter.consume(key)
  } catch (rejection) {
    // A limiter whose store is down cannot promise its limit: refuse rather than let requests through.
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
    return await readAtMost(request, maxBytes, { timeoutMs })
  } catch (error) {
    if (isBodyTooLargeError(error)) throw new TokenRefusal('body_too_large', 413, `the body is over ${maxBytes} bytes`)
    if (isBodyTimeoutError(error)) throw new TokenRefusal('body_timeout', 408, `the body did not arrive within ${timeoutMs} ms`)
    throw new TokenRefusal('body_incomplete', 400, 'the body ended before it was whole')
  }
}
