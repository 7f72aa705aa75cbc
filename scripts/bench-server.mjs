// npm run bench:server — loopback only, a bounded number of requests, stops by itself.
// Token issuance through widget-token/server (one instance in memory, then two instances sharing
// Redis), and the Data Action relay, each at 50 concurrent connections, with the process's memory
// before and after.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { serve } from '@hono/node-server'
import autocannon from 'autocannon'
import Redis from 'ioredis'
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose'
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import { createRelay } from '../examples/data-action-relay/relay.mjs'
import { createRedisStore, createTokenService } from 'widget-token/server'

const CONNECTIONS = 50
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)

const listen = (server) =>
  new Promise((resolve) => {
    const ready = () => resolve(`http://127.0.0.1:${server.address().port}`)
    if (server.listening) ready()
    else server.once('listening', ready)
  })
const close = (server) => new Promise((resolve) => (server.closeAllConnections?.(), server.close(resolve)))
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function memory() {
  globalThis.gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}

async function load(title, options) {
  const before = memory()
  const result = await autocannon({ connections: CONNECTIONS, amount: REQUESTS, timeout: 10, ...options })
  const after = memory()
  const non2xx = result.non2xx + result.errors + result.timeouts
  return {
    title,
    'requests/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    failed: non2xx,
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
    issuer: 'bench-portal',
    audience: 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8',
    clock: false,
    logger: { warn: () => {}, error: (message, error) => console.error(message, error) },
    // Every request signs: no shared refreshes.
    refreshWindowSeconds: 0.001,
    authenticate: (request) => ({ subject: request.headers.get('x-visitor') ?? 'visitor' }),
    ...extra,
  })
}

async function issue(title, services) {
  const servers = []
  for (const service of services) {
    await service.ready()
    servers.push(serve({ fetch: service.fetch, port: 0, hostname: '127.0.0.1' }))
  }
  const urls = await Promise.all(servers.map(listen))
  try {
    return await load(title, {
      url: urls.map((url) => `${url}/api/v1/embedded-cx/token/refresh`),
      method: 'POST',
      // Each instance checks Origin against the URL it was sent to: send the one both allow.
      headers: { Origin: 'https://portal.example', 'Content-Type': 'application/json', 'X-Visitor': 'customer-1' },
      body: '{}',
    })
  } finally {
    for (const service of services) service.close()
    await Promise.all(servers.map(close))
  }
}

async function benchIssuance() {
  const limits = (prefix) => ({
    sessionRateLimit: { limiter: new RateLimiterMemory({ keyPrefix: `${prefix}s`, points: UNLIMITED, duration: 60 }) },
    addressRateLimit: { limiter: new RateLimiterMemory({ keyPrefix: `${prefix}a`, points: UNLIMITED, duration: 60 }) },
    allowedOrigins: ['https://portal.example'],
  })
  return issue('token issuance, 1 instance, memory', [tokenService(limits('bench'))])
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
      allowedOrigins: ['https://portal.example'],
    }),
  )
  try {
    return await issue('token issuance, 2 instances (one process), Redis', services)
  } finally {
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

console.log(`${REQUESTS} requests each, ${CONNECTIONS} connections, loopback, Node ${process.version}\n`)
const rows = [await benchIssuance(), await benchIssuanceOnRedis(), await benchRelay()].filter(Boolean)
console.table(rows)
if (rows.some((row) => row.failed > 0)) {
  console.error('some requests failed: the figures above are not comparable')
  process.exitCode = 1
}
