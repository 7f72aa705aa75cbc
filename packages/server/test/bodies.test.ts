// @vitest-environment node
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createService, runOnFakeTime, tokenRequest } from './helpers'

const json = async (response: Response) => (await response.json()) as { code: string; message: string }

/** One byte a second, never finished: a slow-body attack. */
function trickle() {
  let timer: ReturnType<typeof setInterval> | undefined
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{'))
      timer = setInterval(() => controller.enqueue(new TextEncoder().encode(' ')), 1000)
    },
    cancel() {
      clearInterval(timer)
    },
  })
}

describe('request bodies on fake time', () => {
  runOnFakeTime()

  it('answers 408 to a body that trickles in for longer than 10 s, and logs no failure', async () => {
    const { service, logger } = createService()
    let answered: Response | undefined
    void service.fetch(tokenRequest('/token', { body: trickle() })).then((response) => (answered = response))

    await vi.advanceTimersByTimeAsync(9_999)
    expect(answered).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(answered?.status).toBe(408)
    expect(await json(answered!)).toEqual({ code: 'body_timeout', message: 'the body did not arrive within 10000 ms' })
    expect(logger.error).not.toHaveBeenCalled()
  })

  it('answers 400 without logging a failure when the client goes away in the middle of its body', async () => {
    const { service, logger } = createService()
    // What @hono/node-server hands over when the connection resets: a stream that errors.
    const reset = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":'))
        controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
      },
    })
    const response = await service.fetch(tokenRequest('/token', { body: reset }))

    expect(response.status).toBe(400)
    expect((await json(response)).code).toBe('body_incomplete')
    expect(logger.error).not.toHaveBeenCalled()
  })
})

describe('request bodies that declare their length', () => {
  runOnFakeTime()

  it('refuses a body longer than it declared, counted after reading', async () => {
    const { service } = createService()
    const lying = tokenRequest('/token', { body: JSON.stringify({ note: 'x'.repeat(1200) }), headers: { 'Content-Length': '10' } })
    expect((await service.fetch(lying)).status).toBe(413)
  })
})

describe('request bodies over a real socket', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers 408 to a body that stops short of the length it declared, once 10 s have passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { service, logger } = createService()
    const answers: Array<Promise<Response>> = []
    const server = serve({ fetch: (request, env) => (answers.push(service.fetch(request, env)), answers.at(-1)!), hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    const socket = connect(port, '127.0.0.1')
    try {
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.write(`POST /api/v1/embedded-cx/token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nX-Session: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`)
      for (let turn = 0; turn < 1000 && answers.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve))
      let answered: Response | undefined
      void answers[0]!.then((response) => (answered = response))

      await vi.advanceTimersByTimeAsync(9_999)
      expect(answered).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      expect(answered?.status).toBe(408)
      expect(logger.error).not.toHaveBeenCalled()
    } finally {
      socket.destroy()
      server.close()
    }
  })

  it('logs no failure for a client that hangs up in the middle of its body', async () => {
    const { service, logger } = createService()
    const answers: Array<Promise<Response>> = []
    const server = serve({ fetch: (request, env) => (answers.push(service.fetch(request, env)), answers.at(-1)!), hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const socket = connect(port, '127.0.0.1')
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.write(`POST /api/v1/embedded-cx/token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nX-Session: a\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"a":`)
      await vi.waitFor(() => expect(answers).toHaveLength(1))
      socket.destroy()

      expect((await answers[0]!).status).toBe(400)
      expect(logger.error).not.toHaveBeenCalled()
    } finally {
      server.close()
    }
  })
})
