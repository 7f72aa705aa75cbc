// @vitest-environment node
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener, serve } from '@hono/node-server'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { Hono } from 'hono'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createTokenService, type TokenService, type TokenServiceOptions } from 'widget-token-server'
import { ORG, quietLogger } from './helpers'

let tokens: TokenService
let stop: () => Promise<unknown>

afterEach(async () => {
  tokens.close()
  await stop()
})

function createTokens(options: Partial<TokenServiceOptions> = {}) {
  tokens = createTokenService({
    issuer: 'enterprise-portal-auth',
    audience: ORG,
    clock: false,
    algorithm: 'ES256',
    logger: quietLogger(),
    sessionRateLimit: { points: 2, durationSeconds: 60 },
    refreshWindowSeconds: 0.001,
    authenticate: (request) => (request.headers.get('cookie') === 'sid=valid' ? { subject: 'customer-1' } : undefined),
    ...options,
  })
  return tokens
}

const listening = (server: Server) =>
  new Promise<string>((resolve) => {
    if (server.listening) resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    else server.once('listening', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })

const closing = (server: Server) => () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)))

/** What a portal page's SDK does against each framework, over real HTTP. */
async function exercise(url: string) {
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/v1/embedded-cx${path}`, { method: 'POST', headers: { Origin: url, 'Content-Type': 'application/json', ...headers }, body: '{}' })
  const issued = await post('/token', { Cookie: 'sid=valid' })
  const body = (await issued.json()) as { token: string; expiresIn: number }
  const jwks = (await (await fetch(`${url}/api/v1/embedded-cx/jwks.json`)).json()) as JSONWebKeySet
  await jwtVerify(body.token, createLocalJWKSet(jwks), { audience: ORG })
  const anonymous = await post('/token/refresh')
  const foreign = await post('/token/refresh', { Cookie: 'sid=valid', Origin: 'https://evil.example' })
  await post('/token/refresh', { Cookie: 'sid=valid' })
  const limited = await post('/token/refresh', { Cookie: 'sid=valid' })
  const tooLarge = await fetch(`${url}/api/v1/embedded-cx/token`, { method: 'POST', headers: { Origin: url, Cookie: 'sid=valid' }, body: 'x'.repeat(5000) })
  return {
    issued: issued.status,
    expiresIn: body.expiresIn,
    anonymous: anonymous.status,
    foreign: foreign.status,
    limited: [limited.status, limited.headers.get('retry-after')],
    tooLarge: tooLarge.status,
  }
}

// Retry-After counts down the rest of the minute-long window: a busy machine may take a second or more to get there.
const expected = { issued: 200, expiresIn: 900, anonymous: 401, foreign: 403, limited: [429, expect.stringMatching(/^(60|5\d)$/)], tooLarge: 413 }

describe('mounting the token service', () => {
  it('in Hono', async () => {
    const tokens = createTokens()
    const app = new Hono()
    app.all('/api/v1/embedded-cx/*', (c) => tokens.fetch(c.req.raw, c.env))
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    stop = closing(server)
    expect(await exercise(await listening(server))).toEqual(expected)
  })

  it('in Express 5, through @hono/node-server’s request listener', async () => {
    const tokens = createTokens()
    const app = express()
    app.all('/api/v1/embedded-cx/{*rest}', getRequestListener(tokens.fetch))
    app.use(express.json())
    const server = app.listen(0, '127.0.0.1')
    stop = closing(server)
    expect(await exercise(await listening(server))).toEqual(expected)
  })

  it('in Fastify 5, through @hono/node-server’s request listener', async () => {
    const tokens = createTokens()
    const app: FastifyInstance = Fastify()
    const listener = getRequestListener(tokens.fetch)
    await app.register(async (scope) => {
      // The service reads (and limits) the body itself: leave the stream unread.
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
      scope.all('/api/v1/embedded-cx/*', async (request, reply) => {
        reply.hijack()
        await listener(request.raw, reply.raw)
      })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    stop = () => app.close()
    expect(await exercise(await listening(app.server))).toEqual(expected)
  })

  it('in a Next.js route handler', async () => {
    const tokens = createTokens()
    // app/api/v1/embedded-cx/[...path]/route.ts
    const handler = (request: Request) => tokens.fetch(request)
    const route = { GET: handler, POST: handler }
    // Next.js calls the exports with the Request; a loopback server stands in for it here.
    const server = serve({ fetch: (request) => (request.method === 'GET' ? route.GET(request) : route.POST(request)), port: 0, hostname: '127.0.0.1' }) as Server
    stop = closing(server)
    expect(await exercise(await listening(server))).toEqual(expected)
  })
})

describe('mounting the token service behind a TLS-terminating proxy', () => {
  /** What the proxy forwards to Node over plain HTTP: the browser's https Origin, and the hops it vouches for. */
  const throughProxy = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/api/v1/embedded-cx/token`, {
      method: 'POST',
      headers: { Origin: 'https://portal.example.com', Cookie: 'sid=valid', 'Content-Type': 'application/json', ...headers },
      body: '{}',
    })
  const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example.com', 'X-Forwarded-For': '203.0.113.7' }

  it.each([
    ['allowedOrigins', { allowedOrigins: ['https://portal.example.com'], trustProxy: 1 }],
    ['trustProxy alone', { trustProxy: 1 }],
  ] as const)('issues to the browser’s origin with %s as the README sets them', async (_, options) => {
    const tokens = createTokens(options)
    const app = new Hono()
    app.all('/api/v1/embedded-cx/*', (c) => tokens.fetch(c.req.raw, c.env))
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    stop = closing(server)
    expect((await throughProxy(await listening(server), forwarded)).status).toBe(200)
  })

  it('refuses the same request without them: the default expects the origin Node sees', async () => {
    const tokens = createTokens()
    const server = serve({ fetch: (request, env) => tokens.fetch(request, env), port: 0, hostname: '127.0.0.1' }) as Server
    stop = closing(server)
    expect((await throughProxy(await listening(server), forwarded)).status).toBe(403)
  })
})
