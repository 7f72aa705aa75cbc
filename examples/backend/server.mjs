import { randomBytes, randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { NONCE, secureHeaders } from 'hono/secure-headers'
import { parseSigned } from 'hono/utils/cookie'
import { createTokenService, readAtMost } from 'widget-token-server'
import { entries, scriptFile } from '../../scripts/entries.mjs'
import { portalPage, spaPage } from './pages.mjs'
import { createSessionStore, sessionHandle } from './sessions.mjs'

const root = resolve(fileURLToPath(import.meta.url), '../../..')
const BASE_PATH = '/api/v1/embedded-cx'
const MAX_LOGIN_BYTES = 4096
// The SDK's token requests carry `{"reason":"…"}`; more than this is not one of them.
const MAX_REASON_BODY_BYTES = 256
const STATIC = [
  // Every script tag the SDK builds: the core, and one per adapter for pages that embed another widget.
  ...entries.filter((entry) => entry.script).map((entry) => [`/${scriptFile(entry)}`, `dist/${scriptFile(entry)}`]),
  ['/widget/gen.js', 'examples/widget/gen.js'],
  ['/portal/portal.js', 'examples/portal/portal.js'],
  ['/shared/event-log.js', 'examples/shared/event-log.js'],
  ['/shared/status-panel.js', 'examples/shared/status-panel.js'],
  ['/spa/app.js', 'examples/spa/dist/app.js'],
  ['/vue/app.js', 'examples/vue/dist/app.js'],
]

const refusal = (c, status, code, message) => c.json({ error: { code, message } }, status, { 'Cache-Control': 'no-store' })

/**
 * The example portal backend: a demo sign-in with a signed, httpOnly session cookie, the Embedded CX
 * token endpoints and JWKS from `widget-token-server`, and the pages that embed the widget.
 */
export async function createBackend({
  host = '127.0.0.1',
  port = 0,
  ttlSeconds = 90,
  leewaySeconds = 20,
  organizationId = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8',
  issuer = 'widget-token-example-portal',
  widgetOrigin = 'https://apps.mypurecloud.com',
  maxPayloadBytes,
  maxTokenBytes,
  clock,
  keys,
  sessionSecret = randomBytes(32).toString('base64url'),
  sessionTtlSeconds = 8 * 3600,
  maxSessions = 10_000,
  store,
  now = () => Date.now(),
  identify = () => `customer-${randomUUID()}`,
  claimsFor = () => ({}),
  log = () => {},
  onTokenRequest = ({ path, reason }) => log(`POST ${path} (${reason ?? 'no reason given'})`),
} = {}) {
  const sessions = createSessionStore({ ttlSeconds: sessionTtlSeconds, maxSessions, now, store })
  const failures = []
  const settings = { organizationId, leewaySeconds }
  let origin = ''

  const tokens = createTokenService({
    issuer,
    audience: organizationId,
    ttlSeconds,
    maxPayloadBytes,
    maxTokenBytes,
    basePath: BASE_PATH,
    keys,
    clock,
    store,
    now,
    sessionRateLimit: { points: 60, durationSeconds: 60 },
    logger: { warn: log, error: (message, error) => log(`${message}: ${error?.message ?? error}`) },
    authenticate: async (request) => {
      const { sid } = await parseSigned(request.headers.get('cookie') ?? '', sessionSecret, 'sid')
      const session = await sessions.get(sid || undefined)
      if (!session) return undefined
      const extra = await claimsFor({ ...session, handle: sessionHandle(sid) })
      return {
        subject: session.customerId,
        session: sid,
        claims: { embeddedCxCustomer: { id: session.customerId }, routing: { queueId: 'messaging-queue', language: 'en-US' }, ...extra },
      }
    },
  })
  await tokens.ready()

  const app = new Hono()
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", NONCE],
        styleSrc: ["'self'", NONCE],
        frameSrc: ["'self'", widgetOrigin],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'strict-origin-when-cross-origin',
    }),
  )
  app.onError((error, c) => {
    if (error instanceof HTTPException) return refusal(c, error.status, error.status === 403 ? 'foreign_origin' : 'refused', error.message || 'refused')
    // Sessions live in the shared store: while it is down a sign-in is worth retrying, not a bug of ours.
    // By name: the store may come from another copy of widget-token-server.
    if (error?.name === 'StoreUnavailableError') {
      c.header('Retry-After', '5')
      return refusal(c, 503, 'store_unavailable', 'the session store cannot be reached: try again shortly')
    }
    log(`${c.req.method} ${c.req.path}: ${error.message}`)
    return refusal(c, 500, 'internal', 'internal error')
  })
  app.notFound((c) => refusal(c, 404, 'not_found', 'no such page'))

  const session = async (c) => {
    const id = await getSignedCookie(c, sessionSecret, 'sid')
    return { id: id || undefined, session: await sessions.get(id || undefined) }
  }
  const html = (c, render) => {
    c.header('Cache-Control', 'no-store')
    return c.html(render(c.get('secureHeadersNonce')))
  }

  app.get('/', async (c) => {
    const { session: current } = await session(c)
    return html(c, (nonce) => portalPage({ nonce, session: current, settings, widgetOrigin }))
  })
  // The React SPA and the Vue example: one shell, each its own bundle.
  for (const [name, title] of [['spa', 'Example SPA'], ['vue', 'Example Vue app']]) {
    app.get(`/${name}`, (c) => c.redirect(`/${name}/`))
    app.get(`/${name}/`, async (c) => {
      const { session: current } = await session(c)
      return html(c, (nonce) => spaPage({ nonce, title, app: `/${name}/app.js`, settings: { ...settings, signedInAs: current?.name } }))
    })
  }
  app.get('/favicon.ico', (c) => c.body(null, 204))
  for (const [path, file] of STATIC) {
    app.get(path, serveStatic({ root, path: file, onFound: (_, c) => c.header('Cache-Control', 'no-cache') }))
    app.get(path, (c) => refusal(c, 404, 'not_built', `${file} is missing: run npm run build`))
  }
  // The simulated widget reads the keys where identity providers publish them.
  app.get('/.well-known/jwks.json', (c) => tokens.fetch(new Request(new URL(`${BASE_PATH}/jwks.json`, c.req.url))))

  app.use('/login', csrf(), bodyLimit({ maxSize: MAX_LOGIN_BYTES, onError: (c) => refusal(c, 413, 'body_too_large', `send at most ${MAX_LOGIN_BYTES} bytes`) }))
  app.post('/login', async (c) => {
    const form = await readForm(c)
    if (!form) return refusal(c, 400, 'bad_request', 'send JSON or a form')
    const name = String(form.name ?? '').trim().slice(0, 60) || 'Demo visitor'
    const { id: previous } = await session(c)
    const id = await sessions.create(name, previous, identify(name))
    await setSignedCookie(c, 'sid', id, sessionSecret, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: origin.startsWith('https:'),
      maxAge: sessionTtlSeconds,
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ name })
  })
  app.post('/logout', csrf(), async (c) => {
    await sessions.delete((await session(c)).id)
    deleteCookie(c, 'sid', { path: '/', httpOnly: true, sameSite: 'Strict', secure: origin.startsWith('https:') })
    c.header('Cache-Control', 'no-store')
    return c.json({})
  })

  app.post(`${BASE_PATH}/*`, async (c, next) => {
    onTokenRequest({ path: c.req.path, reason: await requestReason(c.req.raw) })
    const failure = failures.shift()
    if (failure) return c.json({ code: 'injected', message: `answering ${failure} on request` }, failure, { 'Cache-Control': 'no-store' })
    await next()
  })
  app.all(`${BASE_PATH}/*`, (c) => tokens.fetch(c.req.raw, c.env))

  const server = await new Promise((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(listening))
    listening.once('error', reject)
  })
  const address = server.address()
  origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`

  return {
    server,
    url: origin,
    /** Publishes a new key at once; it signs from `activatesAt`, and the old one stays published while its tokens live. */
    rotateKey: () => tokens.rotate(),
    /** Makes the next token requests answer these statuses instead, in order. */
    failNext: (...statuses) => failures.push(...statuses),
    /** Ends every session, as a portal logout or a session timeout would. */
    endSessions: () => sessions.clear(),
    /** The customer of the session a handle names (the `handle` that `claimsFor` got), while that session lives. */
    customerIdFor: async (handle) => (await sessions.byHandle(handle))?.customerId,
    close: () =>
      new Promise((resolve) => {
        tokens.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Why the page asks, as the SDK says in the body, for the log only. A copy is read, and only when it
 * declares a small length (cancelling a larger copy would stall the original), so the token service
 * still gets the whole request and any body, odd, large or missing, changes nothing.
 */
async function requestReason(request) {
  if (!(Number(request.headers.get('content-length')) <= MAX_REASON_BODY_BYTES)) return undefined
  try {
    const body = JSON.parse(new TextDecoder().decode(await readAtMost(request.clone(), MAX_REASON_BODY_BYTES)))
    return typeof body?.reason === 'string' && /^[a-z_]{1,20}$/.test(body.reason) ? body.reason : undefined
  } catch {
    return undefined
  }
}

async function readForm(c) {
  try {
    if ((c.req.header('content-type') ?? '').startsWith('application/json')) {
      const body = await c.req.json()
      return body !== null && typeof body === 'object' && !Array.isArray(body) ? body : undefined
    }
    return await c.req.parseBody()
  } catch {
    return undefined
  }
}
