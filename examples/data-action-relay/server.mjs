// Runs the relay with its settings from the environment: see README.md.
import { readFileSync } from 'node:fs'
import { createRelay } from './relay.mjs'

const env = process.env
const routes = JSON.parse(env.RELAY_ROUTES ?? readFileSync(new URL(env.RELAY_ROUTES_FILE ?? './routes.json', import.meta.url), 'utf8'))

const relay = createRelay({
  clientId: env.RELAY_CLIENT_ID,
  clientSecret: env.RELAY_CLIENT_SECRET,
  upstreamUrl: env.RELAY_UPSTREAM_URL,
  routes,
  tokenField: env.RELAY_TOKEN_FIELD,
  maxBodyBytes: env.RELAY_MAX_BODY_BYTES ? Number(env.RELAY_MAX_BODY_BYTES) : undefined,
  upstreamTimeoutMs: env.RELAY_UPSTREAM_TIMEOUT_MS ? Number(env.RELAY_UPSTREAM_TIMEOUT_MS) : undefined,
  jwks: env.RELAY_JWKS_URL ? { url: env.RELAY_JWKS_URL, issuer: env.RELAY_ISSUER, audience: env.RELAY_AUDIENCE } : undefined,
})

const port = Number(env.PORT ?? 8080)
relay.listen(port, env.HOST ?? '0.0.0.0', () => console.log(`Data Action relay on port ${port}`))
