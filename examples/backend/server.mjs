import { randomBytes, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createKeyRing } from './keys.mjs'
import { portalPage, spaPage } from './pages.mjs'
import { createIssuer, TokenRefusal } from './tokens.mjs'

const root = new URL('../../', import.meta.url)
const STATIC = {
  '/widget-token.iife.min.js': ['dist/widget-token.iife.min.js', 'text/javascript'],
  '/widget/gen.js': ['examples/widget/gen.js', 'text/javascript'],
  '/portal/portal.js': ['examples/portal/portal.js', 'text/javascript'],
  '/shared/event-log.js': ['examples/shared/event-log.js', 'text/javascript'],
  '/shared/status-panel.js': ['examples/shared/status-panel.js', 'text/javascript'],
  '/spa/app.js': ['examples/spa/dist/app.js', 'text/javascript'],
}
const TOKEN_PATHS = new Set(['/api/v1/embedded-cx/token', '/api/v1/embedded-cx/token/refresh'])

/**
 * The example portal backend: a demo login with an httpOnly session cookie, the Embedded CX token
 * and refresh endpoints, the JWKS, and the pages that embed the widget.
 */
export async function createBackend({
  host = '127.0.0.1',
  port = 0,
  ttlSeconds = 90,
  leewaySeconds = 20,
  organizationId = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8',
  issuer = 'widget-token-example-portal',
  widgetOrigin = 'https://apps.mypurecloud.com',
  maxTokenBytes = 3584,
  maxClockDriftMs = 10_000,
  now = () => Date.now(),
  referenceNow = now,
  claimsFor = () => ({}),
  log = () => {},
} = {}) {
  const keyRing = await createKeyRing({ now })
  const issue = createIssuer({ keyRing, organizationId, issuer, ttlSeconds, maxTokenBytes, maxClockDriftMs, now, referenceNow, claimsFor })
  const sessions = new Map()
  const failures = []
  const settings = { organizationId, leewaySeconds }
  let origin = ''

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      log(`${request.method} ${request.url}: ${error.message}`)
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: 'internal error' } })
    })
  })

  async function handle(request, response) {
    const url = new URL(request.url, origin)
    const session = sessions.get(cookie(request, 'sid'))
    if (request.method === 'GET') return serveGet(url.pathname, session, response)
    if (request.method !== 'POST') return sendJson(response, 405, { error: { code: 'method_not_allowed', message: 'GET or POST' } })
    // Cookies ride along on cross-site posts; the Origin header (else the Referer's origin) tells them apart.
    if (sourceOrigin(request) !== origin) return sendJson(response, 403, { error: { code: 'foreign_origin', message: 'cross-origin request refused' } })
    if (url.pathname === '/login') return login(request, response)
    if (url.pathname === '/logout') return logout(request, response)
    if (TOKEN_PATHS.has(url.pathname)) return token(session, response)
    return sendJson(response, 404, { error: { code: 'not_found', message: 'no such endpoint' } })
  }

  async function serveGet(path, session, response) {
    if (path === '/') return sendHtml(response, (nonce) => portalPage({ nonce, session, settings, widgetOrigin }), widgetOrigin)
    if (path === '/spa/' || path === '/spa') {
      return sendHtml(response, (nonce) => spaPage({ nonce, settings: { ...settings, signedInAs: session?.name } }), widgetOrigin)
    }
    if (path === '/favicon.ico') return response.writeHead(204).end()
    if (path === '/.well-known/jwks.json') return sendJson(response, 200, keyRing.jwks(), { 'Cache-Control': 'max-age=60' })
    const file = STATIC[path]
    if (!file) return sendJson(response, 404, { error: { code: 'not_found', message: 'no such page' } })
    const body = await readFile(new URL(file[0], root)).catch(() => undefined)
    if (body === undefined) return sendJson(response, 404, { error: { code: 'not_built', message: `${file[0]} is missing: run npm run build` } })
    response.writeHead(200, { 'Content-Type': `${file[1]}; charset=utf-8`, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' })
    response.end(body)
  }

  async function login(request, response) {
    const form = await readBody(request).catch(() => undefined)
    if (!form) return sendJson(response, 400, { error: { code: 'bad_request', message: 'send JSON or a form, at most 4 KB' } })
    const name = String(form.name ?? '').trim().slice(0, 60) || 'Demo visitor'
    const id = randomBytes(32).toString('base64url')
    sessions.set(id, { customerId: `customer-${randomUUID()}`, name })
    response.setHeader('Set-Cookie', sessionCookie(id, 'Max-Age=28800'))
    sendJson(response, 200, { name })
  }

  function logout(request, response) {
    sessions.delete(cookie(request, 'sid'))
    response.setHeader('Set-Cookie', sessionCookie('', 'Max-Age=0'))
    sendJson(response, 200, {})
  }

  async function token(session, response) {
    if (!session) return sendJson(response, 401, { error: { code: 'no_session', message: 'sign in to the portal first' } })
    const failure = failures.shift()
    if (failure) return sendJson(response, failure, { error: { code: 'injected', message: `answering ${failure} on request` } })
    try {
      sendJson(response, 200, await issue(session))
    } catch (error) {
      if (!(error instanceof TokenRefusal)) throw error
      log(`token refused: ${error.message}`)
      sendJson(response, error.status, { error: { code: error.code, message: error.message } })
    }
  }

  function sessionCookie(value, lifetime) {
    const secure = origin.startsWith('https:') ? '; Secure' : ''
    return `sid=${value}; Path=/; HttpOnly; SameSite=Strict; ${lifetime}${secure}`
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = server.address()
  origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`

  return {
    server,
    url: origin,
    /** Starts signing with a new key; the old one stays published while its tokens live. */
    rotateKey: () => keyRing.rotate(),
    /** Makes the next token requests answer these statuses instead, in order. */
    failNext: (...statuses) => failures.push(...statuses),
    /** Ends every session, as a portal logout or a session timeout would. */
    endSessions: () => sessions.clear(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function sendHtml(response, render, widgetOrigin) {
  const nonce = randomBytes(16).toString('base64')
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      `style-src 'self' 'nonce-${nonce}'`,
      `frame-src 'self' ${widgetOrigin}`,
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Content-Type-Options': 'nosniff',
  })
  response.end(render(nonce))
}

function sendJson(response, status, body, headers = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers })
  response.end(JSON.stringify(body))
}

function sourceOrigin({ headers }) {
  if (headers.origin) return headers.origin
  try {
    return new URL(headers.referer).origin
  } catch {
    return undefined
  }
}

function cookie(request, name) {
  const pair = (request.headers.cookie ?? '').split(/;\s*/).find((part) => part.startsWith(`${name}=`))
  return pair?.slice(name.length + 1) || undefined
}

const MAX_BODY_BYTES = 4096

async function readBody(request) {
  let text = ''
  for await (const chunk of request) {
    text += chunk
    if (text.length > MAX_BODY_BYTES) throw new Error('request body too large')
  }
  if (!text) return {}
  if (request.headers['content-type']?.startsWith('application/json')) return JSON.parse(text)
  return Object.fromEntries(new URLSearchParams(text))
}
