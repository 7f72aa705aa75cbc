/** A body held more bytes than the reader allowed; its stream was cancelled, not drained. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  /** The limit the body went over. */
  readonly maxBytes: number

  constructor(maxBytes: number) {
    super(`widget-token-server: the body is over ${maxBytes} bytes`)
    this.maxBytes = maxBytes
  }
}

/** Recognises a {@link BodyTooLargeError}, also one from another copy of the package. */
export const isBodyTooLargeError = (value: unknown): value is BodyTooLargeError =>
  value instanceof Error && value.name === 'BodyTooLargeError' && typeof (value as Partial<BodyTooLargeError>).maxBytes === 'number'

/** A body did not arrive whole within the reader's time; its stream was cancelled. */
export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError'
  /** The time the body had. */
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(`widget-token-server: the body did not arrive within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** Recognises a {@link BodyTimeoutError}, also one from another copy of the package. */
export const isBodyTimeoutError = (value: unknown): value is BodyTimeoutError =>
  value instanceof Error && value.name === 'BodyTimeoutError' && typeof (value as Partial<BodyTimeoutError>).timeoutMs === 'number'

export interface ReadAtMostOptions {
  /**
   * The whole body must arrive within this many milliseconds. Without it, a sender that trickles a
   * byte at a time holds the reader for as long as the server's own timeouts allow (minutes).
   */
  timeoutMs?: number | undefined
}

/** A `Request` or `Response`: its declared `Content-Length` is refused before a byte is read. */
export interface BodyWithHeaders {
  readonly headers: Headers
  readonly body: ReadableStream<Uint8Array> | null
}

/**
 * Reads a body whole, counting bytes rather than characters, and stops at the limit: over
 * `maxBytes` (declared in `Content-Length` or found while streaming) it cancels the stream, so the
 * sender stops and nothing more is buffered, and rejects with a {@link BodyTooLargeError}; past
 * `timeoutMs` it cancels it too and rejects with a {@link BodyTimeoutError}. A failure of the stream
 * itself (the sender hung up) is passed on as it is.
 *
 * @example
 * ```ts
 * const response = await fetch(upstreamUrl)
 * try {
 *   const text = new TextDecoder().decode(await readAtMost(response, 1024 * 1024, { timeoutMs: 10_000 }))
 * } catch (error) {
 *   if (isBodyTooLargeError(error)) return new Response('upstream answer too large', { status: 502 })
 *   if (isBodyTimeoutError(error)) return new Response('upstream answer too slow', { status: 504 })
 *   throw error
 * }
 * ```
 */
export async function readAtMost(
  source: ReadableStream<Uint8Array> | BodyWithHeaders | null | undefined,
  maxBytes: number,
  { timeoutMs }: ReadAtMostOptions = {},
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError(`widget-token-server: readAtMost needs a whole number of bytes, not ${maxBytes}`)
  if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new TypeError(`widget-token-server: readAtMost needs timeoutMs as a positive number of milliseconds, not ${timeoutMs}`)
  }
  // Told apart by shape rather than instanceof: streams from another realm (a test DOM, undici) pass too.
  const message = source && !('getReader' in source) ? source : undefined
  const stream = message ? message.body : (source as ReadableStream<Uint8Array> | null | undefined)
  const declaredBytes = message?.headers.get('content-length') ? Number(message.headers.get('content-length')) : undefined
  // A decoded answer's length is not the one its Content-Length counts.
  const countable = declaredBytes !== undefined && !message?.headers.get('content-encoding')
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    await stream?.cancel().catch(() => {})
    throw new BodyTooLargeError(maxBytes)
  }
  if (!stream) return new Uint8Array()
  const reader = stream.getReader()
  const deadline = timeoutMs === undefined ? undefined : startDeadline(timeoutMs)
  try {
    const body = await readAll(reader, maxBytes, deadline?.expired)
    // A Node server's request stream may close cleanly when the sender hangs up: only the count tells.
    if (countable && body.byteLength < declaredBytes) {
      throw new Error(`widget-token-server: the body ended after ${body.byteLength} of its ${declaredBytes} bytes`)
    }
    return body
  } catch (error) {
    // The stream's failure to cancel must not hide why reading stopped.
    await reader.cancel().catch(() => {})
    throw error
  } finally {
    deadline?.clear()
  }
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number, expired: Promise<never> | undefined): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await (expired ? Promise.race([reader.read(), expired]) : reader.read())
    if (done) return concat(chunks, size)
    size += value.byteLength
    if (size > maxBytes) {
      // At once, before a pull already queued can close the stream and the sender never hears it.
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(maxBytes)
    }
    chunks.push(value)
  }
}

function startDeadline(timeoutMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeoutError(timeoutMs)), timeoutMs)
  })
  // Between two reads nothing listens; the next race still sees the rejection.
  expired.catch(() => {})
  return { expired, clear: () => clearTimeout(timer) }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
