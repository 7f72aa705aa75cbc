// Runs the relay with its settings from the environment, checked before it starts: see README.md.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { createRelay } from './relay.mjs'

const positive = z.coerce.number().int().positive()
const route = z.object({ method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), path: z.string().startsWith('/') })
const routesJson = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text)
    } catch {
      context.addIssue({ code: 'custom', message: 'is not JSON' })
      return z.NEVER
    }
  })
  .pipe(z.record(z.string().regex(/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/, 'keys look like "POST /relay/name"'), route))

const environment = z.object({
  RELAY_CLIENT_ID: z.string().min(1),
  RELAY_CLIENT_SECRET: z.string().min(16, 'RELAY_CLIENT_SECRET must be at least 16 characters'),
  RELAY_UPSTREAM_URL: z.url({ protocol: /^https?$/ }),
  RELAY_ROUTES: routesJson.optional(),
  RELAY_ROUTES_FILE: z.string().min(1).optional(),
  RELAY_TOKEN_FIELD: z.string().min(1).optional(),
  RELAY_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  RELAY_ISSUER: z.string().min(1).optional(),
  RELAY_AUDIENCE: z.string().min(1).optional(),
  RELAY_ALLOW_UNVERIFIED: z.enum(['true', 'false']).default('false'),
  RELAY_MAX_BODY_BYTES: positive.optional(),
  RELAY_MAX_UPSTREAM_BYTES: positive.optional(),
  RELAY_UPSTREAM_TIMEOUT_MS: positive.optional(),
  RELAY_BODY_TIMEOUT_MS: positive.optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
})

/** The relay's options from the environment; a TypeError names every invalid variable. */
export function relayOptionsFromEnvironment(env = process.env) {
  const parsed = environment.safeParse(env)
  if (!parsed.success) {
    throw new TypeError(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ')}`)
  }
  const settings = parsed.data
  const routes = settings.RELAY_ROUTES ?? routesJson.parse(readFileSync(new URL(settings.RELAY_ROUTES_FILE ?? './routes.json', import.meta.url), 'utf8'))
  return {
    port: settings.PORT,
    host: settings.HOST,
    relay: {
      clientId: settings.RELAY_CLIENT_ID,
      clientSecret: settings.RELAY_CLIENT_SECRET,
      upstreamUrl: settings.RELAY_UPSTREAM_URL,
      routes,
      tokenField: settings.RELAY_TOKEN_FIELD,
      maxBodyBytes: settings.RELAY_MAX_BODY_BYTES,
      bodyTimeoutMs: settings.RELAY_BODY_TIMEOUT_MS,
      maxUpstreamBytes: settings.RELAY_MAX_UPSTREAM_BYTES,
      upstreamTimeoutMs: settings.RELAY_UPSTREAM_TIMEOUT_MS,
      jwks: settings.RELAY_JWKS_URL ? { url: settings.RELAY_JWKS_URL, issuer: settings.RELAY_ISSUER, audience: settings.RELAY_AUDIENCE } : undefined,
      allowUnverified: settings.RELAY_ALLOW_UNVERIFIED === 'true',
    },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let relay
  let settings
  try {
    settings = relayOptionsFromEnvironment()
    relay = createRelay(settings.relay)
  } catch (error) {
    console.error(`Data Action relay not started: ${error.message}`)
    process.exit(1)
  }
  if (settings.relay.allowUnverified && !settings.relay.jwks) console.warn('Data Action relay: RELAY_ALLOW_UNVERIFIED=true: callers’ tokens are NOT verified')
  relay.listen(settings.port, settings.host, () => console.log(`Data Action relay on port ${relay.address().port}`))
}
