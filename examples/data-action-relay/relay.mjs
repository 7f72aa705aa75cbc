import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'

/**
 * A relay between a Genesys Cloud Data Action and an internal API that wants
 * `Authorization: Bearer <the caller's JWT>`. Data Actions authenticate with the integration's
 * static credentials and cannot set a per-call Authorization header, so the caller's token travels
 * in the JSON body; the relay checks it, takes it out, and forwards the request with the header.
 */
export function createRelay({
  clientId,
  clientSecret,
  upstreamUrl,
  routes,
  tokenField = 'userToken',
  maxBodyBytes = 16 * 1024,
  upstreamTimeoutMs = 5000,
  jwks,
  now = () => Date.now(),
  fetch = globalThis.fetch,
  log = (line) => console.log(line),
}) {
  if (!clientId || !clientSecret) throw new TypeError('the relay needs a client id and secret')
  if (!upstreamUrl) throw new TypeError('the relay needs an upstream URL')
  const expectedCredentials = digest(`${clientId}:${clientSecret}`)
  const keySet = jwks?.url ? createRemoteJWKSet(new URL(jwks.url)) : undefined

  async function relay(request) {
    const route = routes[`${request.method} ${new URL(request.url, 'http://relay').pathname}`]
    if (!route) return refuse(404, 'unknown_route', 'no such relay route')
    if (!authorized(request.headers.authorization)) {
      return { ...refuse(401, 'bad_credentials', 'the integration credentials were not accepted'), headers: { 'WWW-Authenticate': 'Basic realm="data-action-relay"' } }
    }
    const body = await readJson(request, maxBodyBytes)
    if (body.refusal) return body.refusal
    const token = body.value[tokenField]
    if (typeof token !== 'string' || token === '') return refuse(400, 'missing_token', `the body has no "${tokenField}"`)
    const invalid = await checkToken(token)
    if (invalid) return invalid
    const { [tokenField]: _removed, ...forwarded } = body.value
    return forward(route, forwarded, token)
  }

  function authorized(header = '') {
    const [scheme, encoded = ''] = header.split(' ')
    if (scheme !== 'Basic') return false
    return timingSafeEqual(digest(Buffer.from(encoded, 'base64').toString()), expectedCredentials)
  }

  async function checkToken(token) {
    let claims
    try {
      claims = decodeJwt(token)
    } catch {
      return refuse(401, 'malformed_token', `"${tokenField}" is not a JWT`)
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now()) return refuse(401, 'expired_token', `"${tokenField}" has expired`)
    if (!keySet) return undefined
    try {
      await jwtVerify(token, keySet, { issuer: jwks.issuer, audience: jwks.audience, currentDate: new Date(now()) })
      return undefined
    } catch (error) {
      const unreachable = error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_TIMEOUT'
      return unreachable ? refuse(502, 'jwks_unreachable', 'the identity provider’s keys could not be fetched') : refuse(401, 'invalid_token', `"${tokenField}" did not verify`)
    }
  }

  async function forward(route, body, token) {
    const url = new URL(route.path, upstreamUrl)
    let response
    try {
      response = await fetch(url, {
        method: route.method,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(route.method === 'GET' ? {} : { 'Content-Type': 'application/json' }) },
        body: route.method === 'GET' ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(upstreamTimeoutMs),
        redirect: 'manual',
      })
    } catch (error) {
      if (error?.name === 'TimeoutError') return refuse(504, 'upstream_timeout', `the internal API did not answer within ${upstreamTimeoutMs} ms`)
      return refuse(502, 'upstream_unreachable', 'the internal API could not be reached')
    }
    const text = await response.text()
    try {
      return { status: response.status, body: text === '' ? {} : JSON.parse(text) }
    } catch {
      return refuse(502, 'upstream_bad_response', `the internal API answered ${response.status} without JSON`)
    }
  }

  return createServer(async (request, response) => {
    const started = now()
    let outcome
    try {
      outcome = await relay(request)
    } catch {
      outcome = refuse(500, 'internal', 'the relay failed')
    }
    // The line names the route and the outcome only: never a token, a body or a credential.
    log(`${request.method} ${new URL(request.url, 'http://relay').pathname} ${outcome.status} ${outcome.body.error?.code ?? 'ok'} ${now() - started} ms`)
    response.writeHead(outcome.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...outcome.headers })
    response.end(JSON.stringify(outcome.body))
  })
}

function refuse(status, code, message) {
  return { status, body: { error: { code, message } } }
}

// Comparing fixed-length digests keeps the comparison's time independent of the secret's length.
function digest(text) {
  return createHash('sha256').update(text).digest()
}

async function readJson(request, maxBodyBytes) {
  if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return { refusal: refuse(400, 'not_json', 'send the body as application/json') }
  }
  const chunks = []
  let size = 0
  for await (const chunk of request) {
    size += chunk.length
    if (size > maxBodyBytes) return { refusal: refuse(413, 'body_too_large', `the body is over ${maxBodyBytes} bytes`) }
    chunks.push(chunk)
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString())
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
    return { value }
  } catch {
    return { refusal: refuse(400, 'invalid_json', 'the body is not a JSON object') }
  }
}
