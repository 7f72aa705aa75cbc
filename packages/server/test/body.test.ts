// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BodyTimeoutError, BodyTooLargeError, isBodyTimeoutError, isBodyTooLargeError, readAtMost } from 'widget-token-server'

const bytes = (text: string) => new TextEncoder().encode(text)

/** A stream of `chunks`, whose cancellation is recorded. */
function streamOf(...chunks: Uint8Array[]) {
  const cancel = vi.fn()
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift()
      if (next) controller.enqueue(next)
      else controller.close()
    },
    cancel,
  })
  return { stream, cancel }
}

/** A sender that never stops: 1000 bytes per pull, for as long as someone reads. */
function endlessStream() {
  let sentBytes = 0
  const cancel = vi.fn()
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        sentBytes += 1000
        controller.enqueue(new Uint8Array(1000))
      },
      cancel,
    },
    { highWaterMark: 0 },
  )
  return { stream, cancel, sentBytes: () => sentBytes }
}

describe('readAtMost', () => {
  it('reads a body of exactly the limit, counted in bytes', async () => {
    const { stream } = streamOf(bytes('€€'), bytes('€'), bytes('ab')) // 3 characters of 3 bytes, then 2
    const body = await readAtMost(stream, 11)
    expect(new TextDecoder().decode(body)).toBe('€€€ab')
  })

  it('refuses one byte over the limit and cancels the stream', async () => {
    const { stream, cancel } = streamOf(bytes('€€'), bytes('€'), bytes('abc'))
    const reading = readAtMost(stream, 11)
    await expect(reading).rejects.toThrow(BodyTooLargeError)
    await expect(reading).rejects.toMatchObject({ maxBytes: 11, message: 'widget-token-server: the body is over 11 bytes' })
    expect(cancel).toHaveBeenCalledOnce()
  })

  it('cuts off a stream that never ends once it passes the limit', async () => {
    const sender = endlessStream()
    await expect(readAtMost(sender.stream, 10_000)).rejects.toSatisfy(isBodyTooLargeError)
    expect(sender.cancel).toHaveBeenCalledOnce()
    // Reading stopped with the chunk that crossed the limit.
    expect(sender.sentBytes()).toBe(11_000)
  })

  it('refuses a Response whose Content-Length is over the limit before reading it', async () => {
    const sender = endlessStream()
    const response = new Response(sender.stream, { headers: { 'Content-Length': '4097' } })
    await expect(readAtMost(response, 4096)).rejects.toThrow(BodyTooLargeError)
    expect(sender.cancel).toHaveBeenCalledOnce()
    expect(sender.sentBytes()).toBe(0)
  })

  it('counts what arrives, whatever Content-Length claims', async () => {
    const { stream, cancel } = streamOf(new Uint8Array(600), new Uint8Array(600))
    const request = new Request('https://portal.example/', { method: 'POST', body: stream, headers: { 'Content-Length': '10' }, duplex: 'half' } as RequestInit)
    await expect(readAtMost(request, 1000)).rejects.toThrow(BodyTooLargeError)
    expect(cancel).toHaveBeenCalledOnce()
  })

  it('refuses a body that ends short of its Content-Length: the sender hung up, whatever the stream says', async () => {
    // A Node server's request stream may close cleanly when the socket goes: only the count tells.
    const { stream } = streamOf(bytes('{"userToken":'))
    const request = new Request('https://portal.example/', { method: 'POST', body: stream, headers: { 'Content-Length': '500' }, duplex: 'half' } as RequestInit)
    await expect(readAtMost(request, 1000)).rejects.toThrow('widget-token-server: the body ended after 13 of its 500 bytes')
  })

  it('takes a decoded answer as it comes: its Content-Length counts the encoded bytes', async () => {
    const response = new Response('decoded', { headers: { 'Content-Length': '500', 'Content-Encoding': 'gzip' } })
    expect(new TextDecoder().decode(await readAtMost(response, 1000))).toBe('decoded')
  })

  it('reads Requests and Responses within the limit, and no body as empty', async () => {
    expect(new TextDecoder().decode(await readAtMost(new Response('{"ok":true}'), 11))).toBe('{"ok":true}')
    expect(await readAtMost(new Request('https://portal.example/', { method: 'POST', body: 'x' }), 1)).toEqual(bytes('x'))
    expect(await readAtMost(new Response(null, { status: 204 }), 0)).toEqual(new Uint8Array())
    expect(await readAtMost(null, 0)).toEqual(new Uint8Array())
  })

  it('passes on a failure of the stream itself', async () => {
    const failing = new ReadableStream({
      pull() {
        throw new Error('connection reset')
      },
    })
    await expect(readAtMost(failing, 100)).rejects.toThrow('connection reset')
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a timeout of %s with a TypeError naming it', async (timeoutMs) => {
    await expect(readAtMost(null, 10, { timeoutMs })).rejects.toThrow(/^widget-token-server: readAtMost needs timeoutMs/)
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a limit of %s with a TypeError', async (maxBytes) => {
    await expect(readAtMost(null, maxBytes)).rejects.toThrow(TypeError)
  })

  it('recognises the error from another copy of the package', () => {
    const foreign = Object.assign(new Error('widget-token-server: the body is over 5 bytes'), { name: 'BodyTooLargeError', maxBytes: 5 })
    expect(isBodyTooLargeError(foreign)).toBe(true)
    expect(isBodyTooLargeError(new Error('the body is over 5 bytes'))).toBe(false)
    expect(isBodyTooLargeError(new BodyTooLargeError(5))).toBe(true)
  })

  it('recognises it by all of its marks: an Error, its name and its limit', () => {
    expect(isBodyTooLargeError({ name: 'BodyTooLargeError', maxBytes: 5 })).toBe(false)
    expect(isBodyTooLargeError(Object.assign(new Error('over'), { maxBytes: 5 }))).toBe(false)
    expect(isBodyTooLargeError(Object.assign(new Error('over'), { name: 'BodyTooLargeError' }))).toBe(false)
  })

  it('reads a body of exactly its Content-Length, and one whose Content-Length is exactly the limit', async () => {
    const request = new Request('https://portal.example/', { method: 'POST', body: streamOf(bytes('{"a":1}')).stream, headers: { 'Content-Length': '7' }, duplex: 'half' } as RequestInit)
    expect(await readAtMost(request, 7)).toEqual(bytes('{"a":1}'))
  })

  it('names the limit it refuses', async () => {
    await expect(readAtMost(null, -1)).rejects.toThrow('widget-token-server: readAtMost needs a whole number of bytes, not -1')
  })
})

/** A sender that sends one byte a second and never finishes, as a slow-body attack does. */
function tricklingStream() {
  const cancel = vi.fn()
  let timer: ReturnType<typeof setInterval> | undefined
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => controller.enqueue(new Uint8Array(1)), 1000)
    },
    cancel() {
      clearInterval(timer)
      cancel()
    },
  })
  return { stream, cancel }
}

describe('readAtMost within a time', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('cuts off a body that trickles in once the time is up, and cancels it', async () => {
    vi.useFakeTimers()
    const sender = tricklingStream()
    const reading = readAtMost(sender.stream, 1024, { timeoutMs: 10_000 })
    const outcome = reading.catch((error: unknown) => error)

    await vi.advanceTimersByTimeAsync(9_999)
    expect(sender.cancel).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    const error = await outcome
    expect(error).toBeInstanceOf(BodyTimeoutError)
    expect(error).toMatchObject({ timeoutMs: 10_000, message: 'widget-token-server: the body did not arrive within 10000 ms' })
    expect(sender.cancel).toHaveBeenCalledOnce()
  })

  it('reads a body that arrives in time and leaves no timer behind', async () => {
    vi.useFakeTimers()
    const { stream } = streamOf(bytes('{"ok":'), bytes('true}'))
    expect(new TextDecoder().decode(await readAtMost(stream, 100, { timeoutMs: 10_000 }))).toBe('{"ok":true}')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('recognises the timeout by all of its marks: an Error, its name and its time', () => {
    expect(isBodyTimeoutError({ name: 'BodyTimeoutError', timeoutMs: 5 })).toBe(false)
    expect(isBodyTimeoutError(Object.assign(new Error('late'), { timeoutMs: 5 }))).toBe(false)
    expect(isBodyTimeoutError(Object.assign(new Error('late'), { name: 'BodyTimeoutError' }))).toBe(false)
  })

  it('recognises the timeout from another copy of the package', () => {
    const foreign = Object.assign(new Error('widget-token-server: the body did not arrive within 5 ms'), { name: 'BodyTimeoutError', timeoutMs: 5 })
    expect(isBodyTimeoutError(foreign)).toBe(true)
    expect(isBodyTimeoutError(new BodyTooLargeError(5))).toBe(false)
    expect(isBodyTimeoutError(new BodyTimeoutError(5))).toBe(true)
  })
})
