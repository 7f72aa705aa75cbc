import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { basicAuth } from 'hono/basic-auth'
import { HTTPException } from 'hono/http-exception'
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'
import { isBodyTimeoutError, isBodyTooLargeError, readAtMost } from 'widget-token-server'

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

class Refusal extends Error {
  constructor(status, code, message, headers = {}) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }
}

const refusalResponse = ({ status, code, message, headers }) =>
  Response.json({ error: { code, message } }, { status, headers: { 'Cache-Control': 'no-store', ...headers } })

/**
 * A relay between a Genesys Cloud Data Action and an internal API that wants
 * `Authorization: Bearer <the caller's JWT>`. Data Actions authenticate with the integration's
 * static credentials and cannot set a per-call Authorization header, so the caller's token travels
 * in the JSON body; the relay verifies it, takes it out, and forwards the request with the header.
 * Returns the Hono app; {@link createRelay} wraps it in a Node server.
 */
export function createRelayApp({
  clientId,
  clientSecret,
  upstreamUrl,
  routes,
  tokenField = 'userToken',
  maxBodyBytes = 16 * 1024,
  bodyTimeoutMs = 10_000,
  maxUpstreamBytes = 1024 * 1024,
  upstreamTimeoutMs = 5000,
  jwks,
  allowUnverified = false,
  now = () => Date.now(),
  fetch = globalThis.fetch,
  log = (line) => console.log(line),
}) {
  if (!clientId || !clientSecret) throw new TypeError('the relay needs a client id and secret')
  if (!upstreamUrl) throw new TypeError('the relay needs an upstream URL')
  if (!(bodyTimeoutMs > 0 && Number.isFinite(bodyTimeoutMs))) throw new TypeError(`bodyTimeoutMs must be a positive number of milliseconds, not ${bodyTimeoutMs}`)
  if (!jwks?.url && !allowUnverified) {
    throw new TypeError('the relay verifies callers’ tokens against a JWKS: give jwks.url, or allowUnverified: true to forward tokens it cannot verify')
  }
  const keySet = jwks?.url ? createRemoteJWKSet(new URL(jwks.url)) : undefined
  const app = new Hono()

  // The line names the route and the outcome only: never a token, a body or a credential.
  app.use(async (c, next) => {
    const started = now()
    await next()
    c.res.headers.set('Cache-Control', 'no-store')
    log(`${c.req.method} ${escapeControls(c.req.path)} ${c.res.status} ${c.get('refusal') ?? 'ok'} ${now() - started} ms`)
  })
  app.onError((error, c) => {
    const refusal = error instanceof Refusal ? error : new Refusal(500, 'internal', 'the relay failed')
    if (error instanceof HTTPException) return error.getResponse()
    c.set('refusal', refusal.code)
    return refusalResponse(refusal)
  })
  app.notFound((c) => {
    c.set('refusal', 'unknown_route')
    return refusalResponse(new Refusal(404, 'unknown_route', 'no such relay route'))
  })
  app.use(
    basicAuth({
      username: clientId,
      password: clientSecret,
      realm: 'data-action-relay',
      invalidUserMessage: (c) => {
        c.set('refusal', 'bad_credentials')
        return { error: { code: 'bad_credentials', message: 'the integration credentials were not accepted' } }
      },
    }),
    async (c, next) => {
      c.set('body', await readBody(c.req.raw))
      await next()
    },
  )

  for (const [name, route] of Object.entries(routes)) {
    const [method, path] = name.split(' ')
    app.on(method, path, async (c) => {
      const body = readJsonObject(c.req.header('content-type'), c.get('body'))
      const token = body[tokenField]
      if (typeof token !== 'string' || token === '') throw new Refusal(400, 'missing_token', `the body has no "${tokenField}"`)
      await checkToken(token)
      const { [tokenField]: _removed, ...forwarded } = body
      const outgoing = serialize(forwarded, () => new Refusal(400, 'invalid_json', 'the body is nested too deeply to forward'))
      const answer = await forward(route, outgoing, token)
      if (NULL_BODY_STATUSES.has(answer.status)) return new Response(null, { status: answer.status })
      const text = serialize(answer.body, () => new Refusal(502, 'upstream_bad_response', `the internal API answered ${answer.status} with JSON nested too deeply to pass on`))
      return new Response(text, { status: answer.status, headers: { 'Content-Type': 'application/json' } })
    })
  }

  /** Within its size and its time: a caller trickling a byte a second holds nothing for long. */
  async function readBody(request) {
    try {
      return new TextDecoder().decode(await readAtMost(request, maxBodyBytes, { timeoutMs: bodyTimeoutMs }))
    } catch (error) {
      if (isBodyTooLargeError(error)) throw new Refusal(413, 'body_too_large', `the body is over ${maxBodyBytes} bytes`)
      if (isBodyTimeoutError(error)) throw new Refusal(408, 'body_timeout', `the body did not arrive within ${bodyTimeoutMs} ms`)
      throw new Refusal(400, 'body_incomplete', 'the body ended before it was whole')
    }
  }

  async function checkToken(token) {
    let claims
    try {
      claims = decodeJwt(token)
    } catch {
      throw new Refusal(401, 'malformed_token', `"${tokenField}" is not a JWT`)
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now()) throw new Refusal(401, 'expired_token', `"${tokenField}" has expired`)
    if (!keySet) return
    try {
      await jwtVerify(token, keySet, { issuer: jwks.issuer, audience: jwks.audience, currentDate: new Date(now()) })
    } catch (error) {
      // A key set that cannot be fetched is the identity provider's failure, not the caller's.
      const unreachable = !(error instanceof joseErrors.JOSEError) || error.code === 'ERR_JWKS_TIMEOUT' || error.code === 'ERR_JWKS_INVALID'
      if (unreachable) throw new Refusal(502, 'jwks_unreachable', 'the identity provider’s keys could not be fetched')
      throw new Refusal(401, 'invalid_token', `"${tokenField}" did not verify`)
    }
  }

  async function forward(route, body, token) {
    const signal = AbortSignal.timeout(upstreamTimeoutMs)
    try {
      const response = await fetch(new URL(route.path, upstreamUrl), {
        method: route.method,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(route.method === 'GET' ? {} : { 'Content-Type': 'application/json' }) },
        body: route.method === 'GET' ? undefined : body,
        signal,
        redirect: 'manual',
      })
      const text = await readUpstream(response)
      return { status: response.status, body: text === '' ? {} : parseUpstream(text, response.status) }
    } catch (error) {
      if (error instanceof Refusal) throw error
      if (signal.aborted) throw new Refusal(504, 'upstream_timeout', `the internal API did not answer within ${upstreamTimeoutMs} ms`)
      throw new Refusal(502, 'upstream_unreachable', 'the internal API could not be reached')
    }
  }

  function parseUpstream(text, status) {
    try {
      return JSON.parse(text)
    } catch {
      throw new Refusal(502, 'upstream_bad_response', `the internal API answered ${status} without JSON`)
    }
  }

  async function readUpstream(response) {
    try {
      return new TextDecoder().decode(await readAtMost(response, maxUpstreamBytes))
    } catch (error) {
      if (isBodyTooLargeError(error)) throw new Refusal(502, 'upstream_too_large', `the internal API answered more than ${maxUpstreamBytes} bytes`)
      throw error
    }
  }

  return app
}

/** The relay as a Node HTTP server (not yet listening). */
export function createRelay(options) {
  return createAdaptorServer({ fetch: createRelayApp(options).fetch })
}

function readJsonObject(contentType, text) {
  if (!(contentType ?? '').startsWith('application/json')) {
    throw new Refusal(400, 'not_json', 'send the body as application/json')
  }
  let value
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Refusal(400, 'invalid_json', 'the body is not a JSON object')
  return value
}

/** JSON.parse reads any depth, JSON.stringify overflows the stack on deep nesting: that is a refusal, not a crash. */
function serialize(value, refusal) {
  try {
    return JSON.stringify(value)
  } catch (error) {
    if (error instanceof RangeError) throw refusal()
    throw error
  }
}

/** A path arrives percent-decoded: its CR, LF and other controls would start a forged log line. */
function escapeControls(text) {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (character) => {
    const named = { '\r': '\\r', '\n': '\\n', '\t': '\\t' }[character]
    return named ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}
