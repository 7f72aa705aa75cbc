import { describe, expect, it } from 'vitest'
import { WidgetTokenError, type ErrorCode } from '../src'
import { backoffDelay, createRecovery, MAX_RETRY_AFTER_MS, REJECTION_WINDOW_MS, type Recovery } from '../src/policy'

const S = 1000
const policy = { baseMs: 1000, maxMs: 60_000 }

/** A recovery that has seen `failures − 1` failures already, so that the next backoff step is `failures`. */
function after(failures: number, random = () => 1): Recovery {
  const recovery = createRecovery(policy, random)
  for (let i = 1; i < failures; i++) recovery.failed(new WidgetTokenError('network'), 0, undefined)
  return recovery
}

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
    ['forbidden', undefined],
    ['insecure_endpoint', undefined],
    ['widget_unavailable', undefined],
  ])('%s: retry in %s ms, or end', (code, delay) => {
    expect(after(7).failed(new WidgetTokenError(code), 0, undefined)).toBe(delay)
  })

  it('ends on a status a retry cannot fix', () => {
    expect(after(7).failed(new WidgetTokenError('http', 'HTTP 404', { status: 404, retryable: false }), 0, undefined)).toBeUndefined()
    expect(after(7).failed(new WidgetTokenError('http', 'HTTP 503', { status: 503 }), 0, undefined)).toBe(60 * S)
  })

  it.each<ErrorCode>(['bad_response', 'malformed_token', 'missing_exp', 'invalid_lifetime', 'expired_token', 'audience_mismatch', 'token_too_large'])(
    'retries one unusable answer (%s) and ends on the second in a row, however many other failures came between tries',
    (code) => {
      const recovery = after(7)
      expect(recovery.failed(new WidgetTokenError(code), 0, undefined)).toBe(60 * S)
      expect(recovery.failed(new WidgetTokenError(code), 0, undefined)).toBeUndefined()
      const interrupted = after(1)
      interrupted.failed(new WidgetTokenError(code), 0, undefined)
      interrupted.failed(new WidgetTokenError('network'), 0, undefined)
      expect(interrupted.failed(new WidgetTokenError(code), 0, undefined)).toBe(4 * S)
    },
  )

  it('doubles the backoff with each failure in a row, and starts over once a token is delivered', () => {
    const recovery = after(1)
    const network = () => recovery.failed(new WidgetTokenError('network'), 0, undefined)
    expect([network(), network(), network()]).toEqual([1 * S, 2 * S, 4 * S])
    recovery.delivered(0)
    expect(network()).toBe(1 * S)
  })

  it('pulls the try in so that one lands five seconds before expiry', () => {
    expect(after(7).failed(new WidgetTokenError('network'), 0, 30 * S)).toBe(25 * S)
  })

  it('backs off normally once expiry is past or too near', () => {
    expect(after(7).failed(new WidgetTokenError('network'), 0, 3 * S)).toBe(60 * S)
    expect(after(7).failed(new WidgetTokenError('network'), 40 * S, 30 * S)).toBe(60 * S)
  })

  it('backs off normally when the backoff lands exactly on the last try', () => {
    expect(after(7).failed(new WidgetTokenError('network'), 0, 65 * S)).toBe(60 * S)
  })

  it("honours the server's Retry-After, with a little jitter, up to five minutes", () => {
    const limited = (retryAfterMs: number) => new WidgetTokenError('rate_limited', '', { retryAfterMs })
    expect(after(7, () => 0.5).failed(limited(120 * S), 0, 30 * S)).toBe(120.5 * S)
    expect(after(7, () => 0).failed(limited(0), 0, undefined)).toBe(0)
    expect(after(7, () => 0).failed(limited(24 * 3600 * S), 0, undefined)).toBe(MAX_RETRY_AFTER_MS)
    expect(MAX_RETRY_AFTER_MS).toBe(5 * 60 * S)
  })
})

describe('what a drop does next', () => {
  type Drop = [at: number, refused?: boolean, ranOut?: boolean]
  /** Delivers a token at 0, then drops at each time given: the delay before the next token each time. */
  const drops = (...sequence: Drop[]) => {
    const recovery = createRecovery(policy, () => 1)
    recovery.delivered(0)
    return sequence.map(([at, refused = false, ranOut = false]) => recovery.dropped(at, refused, ranOut))
  }

  it.each<[string, Drop[], number[]]>([
    ['a drop after the widget held its token a while is answered at once', [[REJECTION_WINDOW_MS]], [0]],
    ['a drop within the window is that token’s rejection', [[REJECTION_WINDOW_MS - 1]], [1000]],
    ['a drop within the window of a token that ran out is its expiry, answered at once', [[1000, false, true]], [0]],
    ['a second drop before the next token backs off', [[minutes(1)], [minutes(2)]], [0, 1000]],
    ['rejections in a row double', [[1], [2], [3], [4]], [1000, 2000, 4000, 8000]],
    ['a refusal is always a rejection', [[minutes(5), true]], [1000]],
  ])('%s', (_, sequence, delays) => {
    expect(drops(...sequence)).toEqual(delays)
  })

  it('answers two ordinary drops a minute apart at once, each after its own token', () => {
    const recovery = createRecovery(policy, () => 1)
    recovery.delivered(0)
    expect(recovery.dropped(minutes(1), false, false)).toBe(0)
    recovery.delivered(minutes(1))
    expect(recovery.dropped(minutes(2), false, false)).toBe(0)
  })

  it('starts the rejections over after an ordinary drop', () => {
    const recovery = createRecovery(policy, () => 1)
    recovery.delivered(0)
    expect([recovery.dropped(1, false, false), recovery.dropped(2, false, false)]).toEqual([1000, 2000])
    recovery.delivered(minutes(1))
    expect(recovery.dropped(minutes(3), false, false)).toBe(0)
    recovery.delivered(minutes(3))
    expect(recovery.dropped(minutes(3) + 1, false, false)).toBe(1000)
  })

  it('answers a drop before the first token at once, and the next one after backoff', () => {
    const recovery = createRecovery(policy, () => 1)
    expect([recovery.dropped(0, false, false), recovery.dropped(1, false, false)]).toEqual([0, 1000])
  })
})

describe('the network coming back', () => {
  it('cuts one backoff short per run of failures', () => {
    const recovery = createRecovery(policy, () => 1)
    expect([recovery.online(), recovery.online()]).toEqual([true, false])
    recovery.delivered(0)
    expect(recovery.online()).toBe(true)
  })
})

function minutes(count: number) {
  return count * 60 * S
}
