/** A body held more bytes than the reader allowed; its stream was cancelled, not drained. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  /** The limit the body went over. */
  readonly maxBytes: number

  constructor(maxBytes: number) {
    super(`widget-token/server: the body is over ${maxBytes} bytes`)
    this.maxBytes = maxBytes
  }
}

/** Recognises a {@link BodyTooLargeError}, also one from another copy of the package. */
export const isBodyTooLargeError = (value: unknown): value is BodyTooLargeError =>
  value instanceof Error && value.name === 'BodyTooLargeError' && typeof (value as Partial<BodyTooLargeError>).maxBytes === 'number'

/** A `Request` or `Response`: its declared `Content-Length` is refused before a byte is read. */
export interface BodyWithHeaders {
  readonly headers: Headers
  readonly body: ReadableStream<Uint8Array> | null
}

/**
 * Reads a body whole, counting bytes rather than characters, and stops at the limit: over
 * `maxBytes` (declared in `Content-Length` or found while streaming) it cancels the stream, so the
 * sender stops and nothing more is buffered, and rejects with a {@link BodyTooLargeError}.
 *
 * @example
 * ```ts
 * const response = await fetch(upstreamUrl)
 * try {
 *   const text = new TextDecoder().decode(await readAtMost(response, 1024 * 1024))
 * } catch (error) {
 *   if (isBodyTooLargeError(error)) return new Response('upstream answer too large', { status: 502 })
 *   throw error
 * }
 * ```
 */
export async function readAtMost(source: ReadableStream<Uint8Array> | BodyWithHeaders | null | undefined, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError(`widget-token/server: readAtMost needs a whole number of bytes, not ${maxBytes}`)
  // Told apart by shape rather than instanceof: streams from another realm (a test DOM, undici) pass too.
  const message = source && !('getReader' in source) ? source : undefined
  const stream = message ? message.body : (source as ReadableStream<Uint8Array> | null | undefined)
  if (message && Number(message.headers.get('content-length') ?? 0) > maxBytes) {
    await stream?.cancel().catch(() => {})
    throw new BodyTooLargeError(maxBytes)
  }
  if (!stream) return new Uint8Array()
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      // The stream's failure to cancel must not hide why reading stopped.
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(maxBytes)
    }
    chunks.push(value)
  }
  return concat(chunks, size)
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
