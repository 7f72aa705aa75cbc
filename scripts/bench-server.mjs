// npm run bench:server — loopback only, a bounded number of requests, stops by itself.
// Token issuance through widget-token/server, and the Data Action relay, each at 50 concurrent
// connections, with the process's memory before and after.
import { createServer } from 'node:http'
import { serve } from '@hono/node-server'
import autocannon from 'autocannon'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createRelay } from '../examples/data-action-relay/relay.mjs'
import { createTokenService } from 'widget-token/server'

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

async function benchIssuance() {
  const tokens = createTokenService({
    issuer: 'bench-portal',
    audience: 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8',
    clock: false,
    logger: { warn: () => {}, error: (message, error) => console.error(message, error) },
    // Every request signs: no shared refreshes, no rate limits.
    refreshWindowSeconds: 0.001,
    sessionRateLimit: false,
    addressRateLimit: false,
    authenticate: (request) => ({ subject: request.headers.get('x-visitor') ?? 'visitor' }),
  })
  await tokens.ready()
  const server = serve({ fetch: tokens.fetch, port: 0, hostname: '127.0.0.1' })
  const url = await listen(server)
  try {
    return await load('token issuance (RS256)', {
      url: `${url}/api/v1/embedded-cx/token/refresh`,
      method: 'POST',
      headers: { Origin: url, 'Content-Type': 'application/json', 'X-Visitor': 'customer-1' },
      body: '{}',
    })
  } finally {
    tokens.close()
    await close(server)
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
const rows = [await benchIssuance(), await benchRelay()]
console.table(rows)
if (rows.some((row) => row.failed > 0)) {
  console.error('some requests failed: the figures above are not comparable')
  process.exitCode = 1
}
