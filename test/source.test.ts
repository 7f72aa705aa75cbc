import { describe, expect, it, vi } from 'vitest'
import { createHttpSource, requestToken, type FetchToken } from '../src/source'
import { systemClock } from '../src/clock'

const ENDPOINT = '/api/v1/embedded-cx/token'
const REFRESH = '/api/v1/embedded-cx/token/refresh'

function sourceAnswering(response: Response | (() => Promise<Response>)) {
  const fetch = vi.fn<typeof globalThis.fetch>(typeof response === 'function' ? response : async () => response)
  return { fetch, fetchToken: createHttpSource({ endpoint: ENDPOINT, refreshEndpoint: REFRESH, fetch }) }
}

const ask = (fetchToken: FetchToken, refresh = false) =>
  requestToken(fetchToken, { reason: 'start', refresh }, { timeoutMs: 10_000, clock: systemClock, signal: new AbortController().signal })

describe('the HTTP source', () => {
  it('posts an empty JSON body with the session cookie, to the refresh endpoint once the widget has a token', async () => {
    const { fetch, fetchToken } = sourceAnswering(async () => new Response('{"token":"a.b.c","expiresIn":1800}'))
    await ask(fetchToken, false)
    await ask(fetchToken, true)

    expect(fetch.mock.calls.map((call) => call[0])).toEqual([ENDPOINT, REFRESH])
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({
      method: 'POST',
      body: '{}',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/json' },
    })
  })

  it('measures a Retry-After date against the device clock when the answer has no Date', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 503, headers: { 'retry-after': 'Mon, 02 Mar 2026 09:01:00 GMT' } }))
    const now = () => Date.parse('Mon, 02 Mar 2026 09:00:00 GMT')
    const fetchToken = createHttpSource({ endpoint: ENDPOINT, fetch, now })
    await expect(ask(fetchToken)).rejects.toMatchObject({ code: 'http', retryAfterMs: 60_000 })
  })

  it('passes expiresIn on as the server sent it, for the manager to judge', async () => {
    const { fetchToken } = sourceAnswering(new Response('{"token":"a.b.c","expiresIn":"1800"}'))
    expect(await ask(fetchToken)).toEqual({ token: 'a.b.c', expiresIn: '1800' })
  })

  it('reads the token and its lifetime', async () => {
    const { fetchToken } = sourceAnswering(new Response('{"token":"a.b.c","expiresIn":900,"user":"x"}'))
    expect(await ask(fetchToken)).toEqual({ token: 'a.b.c', expiresIn: 900 })
  })

  it.each([
    [401, {}, 'unauthorized', false, undefined],
    [403, {}, 'unauthorized', false, undefined],
    [302, { location: '/login' }, 'unauthorized', false, undefined],
    [429, { 'retry-after': '30' }, 'rate_limited', true, 30_000],
    [429, { 'retry-after': 'Mon, 02 Mar 2026 09:02:00 GMT', date: 'Mon, 02 Mar 2026 09:00:30 GMT' }, 'rate_limited', true, 90_000],
    [429, { 'retry-after': 'Mon, 02 Mar 2026 08:00:00 GMT', date: 'Mon, 02 Mar 2026 09:00:30 GMT' }, 'rate_limited', true, 0],
    [429, { 'retry-after': '' }, 'rate_limited', true, undefined],
    [429, { 'retry-after': 'soon' }, 'rate_limited', true, undefined],
    [500, {}, 'http', true, undefined],
    [503, { 'retry-after': '5' }, 'http', true, 5000],
    [408, {}, 'http', true, undefined],
    [404, {}, 'http', false, undefined],
    [400, {}, 'http', false, undefined],
  ])('classifies status %i', async (status, headers, code, retryable, retryAfterMs) => {
    const { fetchToken } = sourceAnswering(new Response(null, { status, headers }))
    const error = await ask(fetchToken).catch((error: unknown) => error)
    expect(error).toMatchObject({ code, status, retryable })
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(retryAfterMs)
  })

  it.each([
    ['HTML', '<html>login</html>'],
    ['JSON without a token', '{"jwt":"a.b.c"}'],
    ['an empty token', '{"token":""}'],
    ['a number for a token', '{"token":42}'],
    ['null', 'null'],
  ])('reports %s as a bad response', async (_, body) => {
    const { fetchToken } = sourceAnswering(new Response(body))
    await expect(ask(fetchToken)).rejects.toMatchObject({ code: 'bad_response', retryable: true })
  })

  it('reports a failed fetch as a network error with its cause', async () => {
    const cause = new TypeError('Failed to fetch')
    const { fetchToken } = sourceAnswering(() => Promise.reject(cause))
    await expect(ask(fetchToken)).rejects.toMatchObject({ code: 'network', retryable: true, cause })
  })
})

describe('requestToken', () => {
  it('times out a source that never answers, even one that ignores its signal', async () => {
    vi.useFakeTimers()
    try {
      const pending = ask(() => new Promise(() => {}))
      const outcome = expect(pending).rejects.toMatchObject({ code: 'timeout', retryable: true })
      await vi.advanceTimersByTimeAsync(10_000)
      await outcome
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects with the abort reason when stopped from outside', async () => {
    const controller = new AbortController()
    const pending = requestToken(() => new Promise(() => {}), { reason: 'manual', refresh: true }, {
      timeoutMs: 10_000,
      clock: systemClock,
      signal: controller.signal,
    })
    const reason = new DOMException('stopped', 'AbortError')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })
})
