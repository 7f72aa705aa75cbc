// @vitest-environment node
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createRelay, createRelayApp, type RelayOptions } from '../../examples/data-action-relay/relay.mjs'

const CLIENT = 'genesys-data-actions'
const SECRET = 'correct horse battery staple'
const basic = (id = CLIENT, secret = SECRET) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

interface Received {
  method: string
  url: string
  authorization: string | undefined
  body: string
}

let upstream: Server
let relay: Server | undefined
let received: Received[]
let logs: string[]
let answer: (request: IncomingMessage, respond: (status: number, body: string) => void) => void
let keys: Awaited<ReturnType<typeof generateKeyPair>>

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeEach(async () => {
  received = []
  logs = []
  keys = await generateKeyPair('RS256')
  answer = (_, respond) => respond(200, JSON.stringify({ displayName: 'Ada Lovelace', email: 'ada@example.com' }))
  upstream = createServer(async (request, response) => {
    let body = ''
    for await (const chunk of request) body += chunk
    if (request.url === '/.well-known/jwks.json') {
      response.end(JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' }] }))
      return
    }
    received.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body })
    Object.assign(request, { response })
    answer(request, (status, text) => response.writeHead(status, { 'Content-Type': 'application/json' }).end(text))
  })
})

afterEach(async () => {
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)))
  relay = undefined
})

async function startRelay(options: Partial<RelayOptions> | ((upstreamUrl: string) => Partial<RelayOptions>) = {}) {
  const upstreamUrl = await listen(upstream)
  relay = createRelay({
    clientId: CLIENT,
    clientSecret: SECRET,
    upstreamUrl,
    routes: {
      'POST /relay/user-profile': { method: 'GET', path: '/api/users/me' },
      'POST /relay/password-reset': { method: 'POST', path: '/api/password-resets' },
    },
    log: (line) => logs.push(line),
    allowUnverified: true,
    ...(typeof options === 'function' ? options(upstreamUrl) : options),
  })
  return { url: await listen(relay) }
}

const callerToken = (exp = Math.floor(Date.now() / 1000) + 300, key = keys.privateKey) =>
  new SignJWT({ sub: 'caller-42' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime(exp).sign(key)

async function call(url: string, path: string, body: unknown, authorization = basic()) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> }
}

describe('the Data Action relay', () => {
  it('forwards the caller’s token as a bearer header and returns the upstream answer unchanged', async () => {
    const { url } = await startRelay()
    const token = await callerToken()
    const response = await call(url, '/relay/password-reset', { userToken: token, channel: 'ivr' })

    expect(response).toMatchObject({ status: 200, body: { displayName: 'Ada Lovelace', email: 'ada@example.com' } })
    expect(received).toEqual([{ method: 'POST', url: '/api/password-resets', authorization: `Bearer ${token}`, body: '{"channel":"ivr"}' }])
  })

  it('calls the allow-listed upstream method and path, whatever the body says', async () => {
    const { url } = await startRelay()
    await call(url, '/relay/user-profile', { userToken: await callerToken(), path: '/admin', method: 'DELETE' })
    expect(received.map(({ method, url }) => `${method} ${url}`)).toEqual(['GET /api/users/me'])
  })

  it('passes an upstream error status and body through', async () => {
    answer = (_, respond) => respond(404, '{"message":"no such user"}')
    const { url } = await startRelay()
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 404, body: { message: 'no such user' } })
  })

  it.each([
    ['a wrong secret', basic(CLIENT, 'guess')],
    ['a wrong client id', basic('someone', SECRET)],
    ['a bearer token', 'Bearer abc'],
    ['nothing', ''],
  ])('refuses %s as integration credentials', async (_, authorization) => {
    const { url } = await startRelay()
    const response = await call(url, '/relay/user-profile', { userToken: await callerToken() }, authorization)
    expect(response).toMatchObject({ status: 401, body: { error: { code: 'bad_credentials' } } })
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="data-action-relay"')
    expect(received).toEqual([])
  })

  it.each([
    ['a missing token', {}, 400, 'missing_token'],
    ['a token that is not a JWT', { userToken: 'not-a-jwt' }, 401, 'malformed_token'],
    ['a body that is not JSON', '{"userToken":', 400, 'invalid_json'],
    ['a JSON array', '[]', 400, 'invalid_json'],
  ])('refuses %s', async (_, body, status, code) => {
    const { url } = await startRelay()
    expect(await call(url, '/relay/user-profile', body)).toMatchObject({ status, body: { error: { code } } })
    expect(received).toEqual([])
  })

  it('refuses an expired token', async () => {
    const { url } = await startRelay()
    const expired = await callerToken(Math.floor(Date.now() / 1000) - 10)
    expect(await call(url, '/relay/user-profile', { userToken: expired })).toMatchObject({ status: 401, body: { error: { code: 'expired_token' } } })
  })

  it('reads the token from the configured field', async () => {
    const { url } = await startRelay({ tokenField: 'callerJwt' })
    const token = await callerToken()
    await call(url, '/relay/user-profile', { callerJwt: token })
    expect(received[0]?.authorization).toBe(`Bearer ${token}`)
  })

  it('verifies the signature against the identity provider’s keys when asked to', async () => {
    const { url } = await startRelay((upstreamUrl) => ({ jwks: { url: `${upstreamUrl}/.well-known/jwks.json` } }))
    const forged = await callerToken(undefined, (await generateKeyPair('RS256')).privateKey)
    expect(await call(url, '/relay/user-profile', { userToken: forged })).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } })
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 200 })
  })

  it('refuses a body over the size limit', async () => {
    const { url } = await startRelay({ maxBodyBytes: 1024 })
    const response = await call(url, '/relay/user-profile', { userToken: await callerToken(), note: 'x'.repeat(2000) })
    expect(response).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } })
  })

  it('answers 504 when the upstream is too slow', async () => {
    answer = () => {}
    const { url } = await startRelay({ upstreamTimeoutMs: 100 })
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 504, body: { error: { code: 'upstream_timeout' } } })
  })

  it('answers 502 when the upstream cannot be reached or answers without JSON', async () => {
    answer = (_, respond) => respond(200, '<html>')
    const { url } = await startRelay()
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 502, body: { error: { code: 'upstream_bad_response' } } })

    const unreachable = createRelay({ clientId: CLIENT, clientSecret: SECRET, upstreamUrl: 'http://127.0.0.1:1', routes: { 'POST /r': { method: 'GET', path: '/' } }, allowUnverified: true, log: () => {} })
    const unreachableUrl = await listen(unreachable)
    expect(await call(unreachableUrl, '/r', { userToken: await callerToken() })).toMatchObject({ status: 502, body: { error: { code: 'upstream_unreachable' } } })
    unreachable.close()
  })

  it('refuses routes outside the allow-list', async () => {
    const { url } = await startRelay()
    expect(await call(url, '/api/users/me', { userToken: await callerToken() })).toMatchObject({ status: 404, body: { error: { code: 'unknown_route' } } })
  })

  it('never logs the token or the credentials', async () => {
    const { url } = await startRelay()
    const token = await callerToken()
    await call(url, '/relay/user-profile', { userToken: token })
    await call(url, '/relay/user-profile', { userToken: token }, basic(CLIENT, 'guess'))

    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatch(/^POST \/relay\/user-profile 200 ok \d+ ms$/)
    for (const line of logs) {
      expect(line).not.toContain(token)
      expect(line).not.toContain(SECRET)
    }
  })

  it('refuses to start without a JWKS unless told to forward unverified tokens', () => {
    const options = { clientId: CLIENT, clientSecret: SECRET, upstreamUrl: 'http://127.0.0.1:1', routes: {}, log: () => {} }
    expect(() => createRelay(options)).toThrow(/verifies callers’ tokens against a JWKS/)
    expect(() => createRelay({ ...options, allowUnverified: true }).close()).not.toThrow()
  })

  it('passes an upstream JSON null through', async () => {
    answer = (_, respond) => respond(200, 'null')
    const { url } = await startRelay()
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 200, body: null })
    expect(logs).toEqual([expect.stringMatching(/^POST \/relay\/user-profile 200 ok \d+ ms$/)])
  })

  it('cuts off an upstream answer over the limit instead of buffering it', async () => {
    let written = 0
    answer = (request, respond) => {
      const response = (request as IncomingMessage & { response: ServerResponse }).response
      response.writeHead(200, { 'Content-Type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => {
        while (written < 100 * 1024 * 1024 && !response.destroyed) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        if (!response.destroyed) response.end()
      }
      pump()
      void respond
    }
    const { url } = await startRelay({ maxUpstreamBytes: 1024 * 1024 })
    const response = await call(url, '/relay/user-profile', { userToken: await callerToken() })
    expect(response).toMatchObject({ status: 502, body: { error: { code: 'upstream_too_large' } } })
    expect(written).toBeLessThan(20 * 1024 * 1024)
  })

  it('refuses an upstream answer whose Content-Length is over the limit without reading it', async () => {
    answer = (request) => {
      const response = (request as IncomingMessage & { response: ServerResponse }).response
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024) }).write('{"displayName":')
    }
    const { url } = await startRelay({ maxUpstreamBytes: 1024 * 1024, upstreamTimeoutMs: 5000 })
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 502, body: { error: { code: 'upstream_too_large' } } })
  })

  it('answers 504 when the upstream stalls in the middle of its answer', async () => {
    answer = (request) => {
      const response = (request as IncomingMessage & { response: ServerResponse }).response
      response.writeHead(200, { 'Content-Type': 'application/json' }).write('{"displayName":')
    }
    const { url } = await startRelay({ upstreamTimeoutMs: 100 })
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 504, body: { error: { code: 'upstream_timeout' } } })
  })
})

describe('the Data Action relay at its edges', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers 408 to a request body that trickles in for longer than 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const app = createRelayApp({ clientId: CLIENT, clientSecret: SECRET, upstreamUrl: 'http://127.0.0.1:1', routes: { 'POST /r': { method: 'GET', path: '/' } }, allowUnverified: true, log: (line) => logs.push(line) })
    let timer: ReturnType<typeof setInterval> | undefined
    const trickle = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => controller.enqueue(new TextEncoder().encode(' ')), 1000)
      },
      cancel: () => clearInterval(timer),
    })
    let answered: Response | undefined
    const request = new Request('http://relay.example/r', { method: 'POST', headers: { Authorization: basic(), 'Content-Type': 'application/json' }, body: trickle, duplex: 'half' } as RequestInit)
    void Promise.resolve(app.fetch(request)).then((response) => (answered = response))
    // The credentials are checked with Web Crypto first, on real time: the body's clock starts after.
    for (let turn = 0; turn < 1000 && vi.getTimerCount() < 2; turn++) await new Promise((resolve) => setImmediate(resolve))

    await vi.advanceTimersByTimeAsync(9_999)
    expect(answered).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(answered?.status).toBe(408)
    expect(await answered!.json()).toEqual({ error: { code: 'body_timeout', message: 'the body did not arrive within 10000 ms' } })
  })

  it('logs a caller that hangs up in the middle of its body as that, not as a 500', async () => {
    const { url } = await startRelay()
    const { port } = new URL(url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const received = new Promise((resolve) => relay!.once('request', resolve))
    socket.write(`POST /relay/user-profile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic()}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"userToken":`)
    await received
    socket.destroy()

    await vi.waitFor(() => expect(logs).toHaveLength(1))
    expect(logs[0]).toMatch(/^POST \/relay\/user-profile 400 body_incomplete \d+ ms$/)
  })

  it('answers 502 to upstream JSON nested too deeply to pass on', async () => {
    answer = (_, respond) => respond(200, '['.repeat(100_000) + ']'.repeat(100_000))
    const { url } = await startRelay()
    expect(await call(url, '/relay/user-profile', { userToken: await callerToken() })).toMatchObject({ status: 502, body: { error: { code: 'upstream_bad_response' } } })
    expect(logs).toEqual([expect.stringMatching(/^POST \/relay\/user-profile 502 upstream_bad_response \d+ ms$/)])
  })

  it('answers 400 to a request body nested too deeply to pass on, and forwards nothing', async () => {
    const { url } = await startRelay()
    const nested = `{"userToken":"${await callerToken()}","deep":${'['.repeat(7000)}${']'.repeat(7000)}}`
    expect(await call(url, '/relay/password-reset', nested)).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } })
    expect(received).toEqual([])
  })

  it('escapes CR and LF from the request path in its log line, so a caller cannot forge lines', async () => {
    const { url } = await startRelay()
    await call(url, '/relay/user-profile%0d%0aGET%20/relay/forged%20200%20ok%201%20ms', { userToken: await callerToken() })

    expect(logs).toHaveLength(1)
    expect(logs[0]).not.toMatch(/[\r\n]/)
    expect(logs[0]).toContain('\\r\\nGET /relay/forged')
  })
})
