import { describe, expect, it } from 'vitest'
import { WidgetTokenError, type ErrorCode } from '../src'
import { backoffDelay, MAX_RETRY_AFTER_MS, retryInMs, type FailureContext } from '../src/policy'

const S = 1000
const policy = { baseMs: 1000, maxMs: 60_000 }
const context: FailureContext = { failures: 7, invalidInARow: 0, policy, random: () => 1, now: 0, expiresAt: undefined }

describe('backoffDelay', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [6, 32_000],
    [7, 60_000],
    [30, 60_000],
  ])('caps attempt %i at %i ms', (attempt, cap) => {
    expect(backoffDelay(attempt, policy, () => 1)).toBe(cap)
    expect(backoffDelay(attempt, policy, () => 0.25)).toBe(cap / 4)
  })
})

describe('what a failure does next', () => {
  it.each<[ErrorCode, number | undefined]>([
    ['network', 60 * S],
    ['timeout', 60 * S],
    ['rate_limited', 60 * S],
    ['widget_rejected', 60 * S],
    ['unauthorized', undefined],
    ['insecure_endpoint', undefined],
    ['widget_unavailable', undefined],
  ])('%s: retry in %s ms, or end', (code, delay) => {
    expect(retryInMs(new WidgetTokenError(code), context)).toBe(delay)
  })

  it('ends on a status a retry cannot fix', () => {
    expect(retryInMs(new WidgetTokenError('http', 'HTTP 404', { status: 404, retryable: false }), context)).toBeUndefined()
    expect(retryInMs(new WidgetTokenError('http', 'HTTP 503', { status: 503 }), context)).toBe(60 * S)
  })

  it.each<ErrorCode>(['bad_response', 'malformed_token', 'missing_exp', 'invalid_lifetime', 'expired_token', 'audience_mismatch', 'token_too_large'])(
    'retries one unusable answer (%s) and ends on the second in a row',
    (code) => {
      expect(retryInMs(new WidgetTokenError(code), { ...context, invalidInARow: 1 })).toBe(60 * S)
      expect(retryInMs(new WidgetTokenError(code), { ...context, invalidInARow: 2 })).toBeUndefined()
    },
  )

  it('pulls the try in so that one lands five seconds before expiry', () => {
    expect(retryInMs(new WidgetTokenError('network'), { ...context, expiresAt: 30 * S })).toBe(25 * S)
  })

  it('backs off normally once expiry is past or too near', () => {
    expect(retryInMs(new WidgetTokenError('network'), { ...context, expiresAt: 3 * S })).toBe(60 * S)
    expect(retryInMs(new WidgetTokenError('network'), { ...context, now: 40 * S, expiresAt: 30 * S })).toBe(60 * S)
  })

  it('backs off normally when the backoff lands exactly on the last try', () => {
    expect(retryInMs(new WidgetTokenError('network'), { ...context, expiresAt: 65 * S })).toBe(60 * S)
  })

  it("honours the server's Retry-After, with a little jitter, up to five minutes", () => {
    const limited = (retryAfterMs: number) => new WidgetTokenError('rate_limited', '', { retryAfterMs })
    expect(retryInMs(limited(120 * S), { ...context, expiresAt: 30 * S, random: () => 0.5 })).toBe(120.5 * S)
    expect(retryInMs(limited(0), { ...context, random: () => 0 })).toBe(0)
    expect(retryInMs(limited(24 * 3600 * S), { ...context, random: () => 0 })).toBe(MAX_RETRY_AFTER_MS)
    expect(MAX_RETRY_AFTER_MS).toBe(5 * 60 * S)
  })
})
