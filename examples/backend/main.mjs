// Starts the example backend from the command line; settings come from the environment, checked first.
import { readFileSync } from 'node:fs'
import Redis from 'ioredis'
import { createRedisStore } from 'widget-token-server'
import { z } from 'zod'
import { createBackend } from './server.mjs'

const seconds = z.coerce.number().int().positive()
const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TOKEN_TTL_SECONDS: seconds.default(90),
  LEEWAY_SECONDS: seconds.default(20),
  ORGANIZATION_ID: z.string().min(1).optional(),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  SESSION_TTL_SECONDS: seconds.default(8 * 3600),
  TOKEN_SIGNING_KEY_FILE: z.string().min(1).optional(),
  CLOCK_REFERENCE_URL: z.url({ protocol: /^https$/, error: 'CLOCK_REFERENCE_URL must be an https URL' }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' }).optional(),
}).refine((settings) => !settings.REDIS_URL || settings.TOKEN_SIGNING_KEY_FILE, {
  path: ['REDIS_URL'],
  message: 'several instances sharing Redis need TOKEN_SIGNING_KEY_FILE: keys generated per instance would differ',
})

/** The validated settings, or an Error naming every bad variable. */
export function readEnvironment(env = process.env) {
  const parsed = environment.safeParse(env)
  if (!parsed.success) {
    throw new TypeError(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`)
  }
  return parsed.data
}

export async function startFromEnvironment(overrides = {}, env = process.env) {
  const settings = readEnvironment(env)
  return createBackend({
    port: settings.PORT,
    ttlSeconds: settings.TOKEN_TTL_SECONDS,
    leewaySeconds: settings.LEEWAY_SECONDS,
    organizationId: settings.ORGANIZATION_ID,
    sessionSecret: settings.SESSION_SECRET,
    sessionTtlSeconds: settings.SESSION_TTL_SECONDS,
    keys: settings.TOKEN_SIGNING_KEY_FILE ? [{ privateKey: readFileSync(settings.TOKEN_SIGNING_KEY_FILE, 'utf8') }] : undefined,
    // Fail fast while Redis is down: the backend answers 503 rather than queue requests.
    store: settings.REDIS_URL ? createRedisStore(new Redis(settings.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })) : undefined,
    clock: settings.CLOCK_REFERENCE_URL ? { url: settings.CLOCK_REFERENCE_URL, onDrift: ({ driftMs }) => console.error(`clock drift: ${driftMs} ms`) } : undefined,
    log: (line) => console.log(line),
    ...overrides,
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = await startFromEnvironment()
  console.log(`Example portal: ${backend.url}/`)
}
