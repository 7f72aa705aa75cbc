import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHttpSource, parseRetryAfter, requestToken, type FetchToken } from '../src/source'
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
  it('posts its reason as JSON with the session cookie, to the refresh endpoint once the widget has a token', async () => {
    const { fetch, fetchToken } = sourceAnswering(async () => new Response('{"token":"a.b.c","expiresIn":1800}'))
    await ask(fetchToken, false)
    await ask(fetchToken, true)

    expect(fetch.mock.calls.map((call) => call[0])).toEqual([ENDPOINT, REFRESH])
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({
      method: 'POST',
      body: '{"reason":"start"}',
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

describe('the endpoint check', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  const create = (endpoint: string) => () => createHttpSource({ endpoint, fetch: vi.fn() })

  it.each(['http://evil-localhost/token', 'http://localhost.evil.example/token', 'http://app.localhost.evil.example/token', 'ftp://localhost/token', 'http://127.0.0.1.evil.example/token'])(
    'refuses %s, which only looks like loopback',
    (endpoint) => {
      expect(create(endpoint)).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
    },
  )

  it.each(['http://127.0.0.10:8080/token', 'http://app.localhost:5173/token', 'http://[::1]:3000/token'])('accepts the loopback endpoint %s', (endpoint) => {
    expect(create(endpoint)).not.toThrow()
  })

  it('names the scheme and host it refused', () => {
    expect(create('http://portal.example.com/api/token')).toThrow(
      expect.objectContaining({ message: 'widget-token: insecure_endpoint: http://portal.example.com is neither https nor loopback' }),
    )
  })

  it('judges a relative endpoint by the page it is on', () => {
    vi.stubGlobal('location', new URL('http://portal.example.com/app'))
    expect(create(ENDPOINT)).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
  })

  it('accepts a relative endpoint off the page, where it will share the page’s origin', () => {
    vi.stubGlobal('location', undefined)
    expect(create(ENDPOINT)).not.toThrow()
  })
})

describe('what the source reads from an answer', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('uses the global fetch when none is given, looked up at call time', async () => {
    const fetchToken = createHttpSource({ endpoint: ENDPOINT })
    const fetch = vi.fn(async () => new Response('{"token":"a.b.c"}'))
    vi.stubGlobal('fetch', fetch)
    expect(await ask(fetchToken)).toEqual({ token: 'a.b.c', expiresIn: undefined })
    expect(fetch).toHaveBeenCalledWith(ENDPOINT, expect.objectContaining({ method: 'POST' }))
  })

  it('treats a redirect the browser hides from the page as a session that ended', async () => {
    const hidden = { ok: false, status: 0, type: 'opaqueredirect', headers: new Headers(), text: async () => '' } as Response
    const { fetchToken } = sourceAnswering(async () => hidden)
    await expect(ask(fetchToken)).rejects.toMatchObject({ code: 'unauthorized', retryable: false })
  })

  it.each([
    [301, 'unauthorized'],
    [399, 'unauthorized'],
    [300, 'unauthorized'],
    [400, 'http'],
  ])('classifies status %i as %s', async (status, code) => {
    const fake = { ok: false, status, type: 'basic', headers: new Headers(), text: async () => '' } as Response
    const { fetchToken } = sourceAnswering(async () => fake)
    await expect(ask(fetchToken)).rejects.toMatchObject({ code })
  })

  it.each([
    [429, `widget-token: rate_limited: POST ${ENDPOINT} answered 429`],
    [503, `widget-token: http: POST ${ENDPOINT} answered 503`],
  ])('words status %i as “%s”', async (status, message) => {
    const { fetchToken } = sourceAnswering(new Response(null, { status }))
    await expect(ask(fetchToken)).rejects.toMatchObject({ message })
  })

  it.each([
    ['HTML', '<html>login</html>', `widget-token: bad_response: POST ${ENDPOINT} answered no JSON`],
    ['JSON without a token', '{"jwt":"a.b.c"}', `widget-token: bad_response: POST ${ENDPOINT} answered no token`],
  ])('says why %s is a bad response', async (_, body, message) => {
    const { fetchToken } = sourceAnswering(new Response(body))
    await expect(ask(fetchToken)).rejects.toMatchObject({ message })
  })

  it("keeps the server's error code and names it with the method and path", async () => {
    const body = JSON.stringify({ code: 'store_unavailable', message: 'the token service cannot reach its shared store' })
    const { fetchToken } = sourceAnswering(new Response(body, { status: 503, headers: { 'retry-after': '5' } }))
    await expect(ask(fetchToken, true)).rejects.toMatchObject({
      code: 'http',
      status: 503,
      serverCode: 'store_unavailable',
      retryable: true,
      retryAfterMs: 5000,
      message: `widget-token: http: POST ${REFRESH} answered 503 store_unavailable`,
    })
  })

  it('keeps only a code that is a string', async () => {
    const { fetchToken } = sourceAnswering(async () => new Response('{"code":42}', { status: 503 }))
    await expect(ask(fetchToken)).rejects.toMatchObject({ code: 'http', serverCode: undefined, message: `widget-token: http: POST ${ENDPOINT} answered 503` })
  })

  it('tells a page the service does not accept (foreign_origin) from a session that is gone', async () => {
    const refused = () => new Response(JSON.stringify({ code: 'foreign_origin', message: 'token requests are accepted only from the portal’s own origin' }), { status: 403 })
    const { fetchToken } = sourceAnswering(async () => refused())
    await expect(ask(fetchToken)).rejects.toMatchObject({
      code: 'forbidden',
      retryable: false,
      serverCode: 'foreign_origin',
      message: `widget-token: forbidden: POST ${ENDPOINT} answered 403 foreign_origin`,
    })
    const { fetchToken: plain } = sourceAnswering(async () => new Response('', { status: 403 }))
    await expect(ask(plain)).rejects.toMatchObject({ code: 'unauthorized', serverCode: undefined })
  })

  it('names the request that never got an answer, and CORS when the endpoint is on another origin', async () => {
    const failing = vi.fn(async (): Promise<Response> => {
      throw new TypeError('Failed to fetch')
    })
    const sameOrigin = createHttpSource({ endpoint: ENDPOINT, fetch: failing })
    await expect(ask(sameOrigin)).rejects.toMatchObject({ code: 'network', message: `widget-token: network: POST ${ENDPOINT} failed` })
    const elsewhere = createHttpSource({ endpoint: 'https://api.example.net/token', fetch: failing })
    await expect(ask(elsewhere)).rejects.toMatchObject({
      code: 'network',
      message: 'widget-token: network: POST https://api.example.net/token failed (another origin: CORS?)',
    })
  })

  it.each([
    ['seconds with spaces around', ' 30 ', 30_000],
    ['a number followed by text', '30 seconds', undefined],
    ['text followed by a number', 'in 30', undefined],
  ])('reads Retry-After given as %s', (_, value, retryAfterMs) => {
    expect(parseRetryAfter(new Headers({ 'retry-after': value }), () => 0)).toBe(retryAfterMs)
  })

  it('measures a Retry-After date against the device clock when the answer has no Date', () => {
    const now = () => Date.parse('Mon, 02 Mar 2026 09:00:00 GMT')
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Mon, 02 Mar 2026 09:00:30 GMT' }), now)).toBe(30_000)
  })

  it('has no advice without Retry-After', () => {
    expect(parseRetryAfter(new Headers(), () => 0)).toBeUndefined()
  })
})

describe('requestToken, further', () => {
  it('names the time it waited when a source times out', async () => {
    vi.useFakeTimers()
    try {
      const outcome = ask(() => new Promise(() => {})).catch((error: unknown) => error)
      await vi.advanceTimersByTimeAsync(10_000)
      expect(await outcome).toMatchObject({ code: 'timeout', message: 'widget-token: timeout: 10000 ms' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('does not call a source when it is already stopped', async () => {
    const controller = new AbortController()
    const reason = new DOMException('stopped', 'AbortError')
    controller.abort(reason)
    const fetchToken = vi.fn(async () => ({ token: 'a.b.c' }))
    await expect(requestToken(fetchToken, { reason: 'manual', refresh: true }, { timeoutMs: 10_000, clock: systemClock, signal: controller.signal })).rejects.toBe(reason)
    expect(fetchToken).not.toHaveBeenCalled()
  })

  it('lets go of the stop signal once the source answered', async () => {
    const controller = new AbortController()
    let given!: AbortSignal
    await requestToken(
      async ({ signal }) => ((given = signal), { token: 'a.b.c' }),
      { reason: 'manual', refresh: true },
      { timeoutMs: 10_000, clock: systemClock, signal: controller.signal },
    )
    controller.abort(new DOMException('stopped', 'AbortError'))
    expect(given.aborted).toBe(false)
  })
})
