// npm run bench:server — loopback only, a bounded number of requests, stops by itself.
// Token issuance through widget-token-server next to a bare Hono + jose handler that signs the same
// claims with the same key on the same machine, in the same run, taking turns; then two instances
// sharing Redis, and the Data Action relay; each at 50 concurrent connections. Every request comes
// from its own session, so every request signs once; the distinct tokens counted in the answers
// show it. Throughput is requests answered ÷ the measured wall time of the run.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import Redis from 'ioredis'
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT } from 'jose'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { createRelay } from '../examples/data-action-relay/relay.mjs'
import { createRedisStore, createTokenService } from 'widget-token-server'
import { importOnDemand, installOnDemand } from './on-demand.mjs'

// The load generator is this script's alone: installed on its first run, not with the dev dependencies.
const { default: autocannon } = await importOnDemand(installOnDemand(['autocannon@9.0.0']), 'autocannon')

const CONNECTIONS = 50
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const ISSUER = 'bench-portal'
const AUDIENCE = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'
const ORIGIN = 'https://portal.example'
const TTL_SECONDS = 900

const listen = (server) =>
  new Promise((resolve) => {
    const ready = () => resolve(`http://127.0.0.1:${server.address().port}`)
    if (server.listening) ready()
    else server.once('listening', ready)
  })
const close = (server) => new Promise((resolve) => (server.closeAllConnections?.(), server.close(resolve)))
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function memory() {
  globalThis.gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}

/** The claims of the guide's advanced structure, the same for the service and the bare handler. */
const claimsFor = (visitor) => ({
  embeddedCxCustomer: { id: visitor, tier: 'premium' },
  routing: { queueId: 'premium-support-queue', language: 'en-US', priority: 'high' },
})

let visitors = 0
/** Each request a visitor of its own: no answer can come from a refresh window or a cache. */
function asEveryVisitor(path, tokens) {
  return {
    method: 'POST',
    path,
    setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-visitor': `customer-${++visitors}` } }),
    onResponse: (status, body) => {
      if (status === 200) tokens.add(JSON.parse(body).token)
    },
  }
}

/**
 * autocannon reports once a second and its own average is the count ÷ whole seconds: the rate here is
 * the answers counted ÷ the time from the start to the last answer, read from the clock.
 */
async function load(title, options, tokens) {
  const before = memory()
  const started = performance.now()
  let lastAnswerAt = started
  const timed = (options.requests ?? [{}]).map((request) => ({
    ...request,
    onResponse: (...answer) => {
      lastAnswerAt = performance.now()
      request.onResponse?.(...answer)
    },
  }))
  const result = await autocannon({ connections: CONNECTIONS, amount: REQUESTS, timeout: 10, ...options, requests: timed })
  const seconds = (lastAnswerAt - started) / 1000
  const after = memory()
  return {
    title,
    'requests/s': Math.round(result.requests.total / seconds),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    ...(tokens ? { 'tokens signed': tokens.size } : {}),
    'rss before': megabytes(before.rss),
    'rss after': megabytes(after.rss),
    'heap before': megabytes(before.heapUsed),
    'heap after': megabytes(after.heapUsed),
  }
}

// Limits so high they never refuse: their cost is part of every request, as in production.
const UNLIMITED = 1e9

function tokenService(extra) {
  return createTokenService({
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: TTL_SECONDS,
    clock: false,
    logger: { warn: () => {}, error: (message, error) => console.error(message, error) },
    allowedOrigins: [ORIGIN],
    sessionRateLimit: { points: UNLIMITED, durationSeconds: 60 },
    addressRateLimit: { points: UNLIMITED, durationSeconds: 60 },
    authenticate: (request) => {
      const visitor = request.headers.get('x-visitor') ?? 'visitor'
      return { subject: visitor, claims: claimsFor(visitor) }
    },
    ...extra,
  })
}

/** What the service is measured against: Hono and jose alone, signing what the service signs. */
async function bareHandler(pem) {
  const privateKey = await importPKCS8(pem, 'RS256')
  const app = new Hono()
  app.post('/api/v1/embedded-cx/token', async (c) => {
    const visitor = c.req.header('x-visitor') ?? 'visitor'
    const iat = Math.floor(Date.now() / 1000)
    const token = await new SignJWT(claimsFor(visitor))
      .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'JWT' })
      .setAudience(AUDIENCE)
      .setIssuer(ISSUER)
      .setSubject(visitor)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TTL_SECONDS)
      .setJti(crypto.randomUUID())
      .sign(privateKey)
    c.header('Cache-Control', 'no-store')
    return c.json({ token, expiresIn: TTL_SECONDS })
  })
  return app.fetch
}

async function issueOver(title, fetchers) {
  const servers = fetchers.map((fetch) => serve({ fetch, port: 0, hostname: '127.0.0.1' }))
  const urls = await Promise.all(servers.map(listen))
  const tokens = new Set()
  try {
    return await load(
      title,
      {
        url: urls,
        headers: { Origin: ORIGIN, 'Content-Type': 'application/json' },
        body: '{"reason":"schedule"}',
        requests: [asEveryVisitor('/api/v1/embedded-cx/token', tokens)],
      },
      tokens,
    )
  } finally {
    await Promise.all(servers.map(close))
  }
}

async function benchAgainstBare() {
  const pem = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey)
  const bare = await bareHandler(pem)
  const service = tokenService({ keys: [{ privateKey: pem }] })
  await service.ready()
  const rows = []
  try {
    // Taking turns, so that whatever else the machine does weighs on both alike.
    for (let round = 1; round <= ROUNDS; round++) {
      rows.push({ ...(await issueOver(`bare Hono + jose, round ${round}`, [bare])), kind: 'bare' })
      rows.push({ ...(await issueOver(`token service, memory, round ${round}`, [service.fetch])), kind: 'service' })
    }
  } finally {
    service.close()
  }
  const rate = (kind) => median(rows.filter((row) => row.kind === kind).map((row) => row['requests/s']))
  // Each service run against the bare run just before it: the two saw the same load from elsewhere.
  const pairs = rows.filter((row) => row.kind === 'service').map((row) => row['requests/s'] / rows[rows.indexOf(row) - 1]['requests/s'])
  const rates = { bare: rate('bare'), service: rate('service'), pairs }
  for (const row of rows) delete row.kind
  return { rows, ...rates }
}

async function freePort() {
  const server = createNetServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function redisForBench() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return { url, stop: async () => {} }
  } catch {
    // No server at REDIS_URL: run one of our own on loopback for the length of the bench.
    const port = await freePort()
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    const started = await new Promise((resolve) => {
      child.once('error', () => resolve(false))
      setTimeout(() => resolve(child.exitCode === null), 300)
    })
    if (!started) return undefined
    return { url: `redis://127.0.0.1:${port}`, stop: async () => void child.kill() }
  } finally {
    probe.disconnect()
  }
}

async function benchIssuanceOnRedis() {
  const redis = await redisForBench()
  if (!redis) {
    console.warn('two-instance Redis run skipped: no Redis at REDIS_URL and no redis-server on PATH')
    return undefined
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const keys = [{ privateKey: await exportPKCS8(privateKey) }]
  const prefix = `widget-token-bench:${Date.now()}:`
  const clients = [new Redis(redis.url), new Redis(redis.url)]
  const services = clients.map((client) =>
    tokenService({
      keys,
      store: createRedisStore(client, { prefix }),
      sessionRateLimit: { limiter: new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}s`, points: UNLIMITED, duration: 60 }) },
      addressRateLimit: { limiter: new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}a`, points: UNLIMITED, duration: 60 }) },
    }),
  )
  try {
    await Promise.all(services.map((service) => service.ready()))
    return await issueOver('token service, 2 instances (one process), Redis', services.map((service) => service.fetch))
  } finally {
    for (const service of services) service.close()
    for (const client of clients) client.disconnect()
    await redis.stop()
  }
}

async function benchRelay() {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256' }] })
  const upstream = createServer((request, response) => {
    request.resume()
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(request.url === '/.well-known/jwks.json' ? jwks : '{"displayName":"Ada Lovelace","email":"ada@example.com"}')
  }).listen(0, '127.0.0.1')
  const upstreamUrl = await listen(upstream)
  const relay = createRelay({
    clientId: 'bench',
    clientSecret: 'bench-secret-0123456789',
    upstreamUrl,
    routes: { 'POST /relay/user-profile': { method: 'GET', path: '/api/users/me' } },
    jwks: { url: `${upstreamUrl}/.well-known/jwks.json` },
    log: () => {},
  }).listen(0, '127.0.0.1')
  const url = await listen(relay)
  const userToken = await new SignJWT({ sub: 'caller-42' }).setProtectedHeader({ alg: 'RS256', kid: 'bench' }).setExpirationTime('1h').sign(privateKey)
  try {
    return await load('Data Action relay (verify + forward)', {
      url: `${url}/relay/user-profile`,
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('bench:bench-secret-0123456789').toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userToken }),
    })
  } finally {
    await close(relay)
    await close(upstream)
  }
}

console.log(`${REQUESTS} requests a run, ${CONNECTIONS} connections, loopback, Node ${process.version}, RS256 (2048-bit), one visitor per request\n`)
const against = await benchAgainstBare()
const rows = [...against.rows, await benchIssuanceOnRedis(), await benchRelay()].filter(Boolean)
console.table(rows)
console.log(
  `issuance over HTTP: the service ${against.service} req/s, bare Hono + jose ${against.bare} req/s (medians of ${ROUNDS} runs each); ` +
    `the service ${median(against.pairs).toFixed(2)}× the bare handler (median of the rounds' ratios: ${against.pairs.map((ratio) => ratio.toFixed(2)).join(', ')})`,
)
if (rows.some((row) => row.failed > 0)) {
  console.error('some requests failed: the figures above are not comparable')
  process.exitCode = 1
}
