import { afterEach, beforeEach, vi } from 'vitest'
import { createTokenService, type TokenService, type TokenServiceOptions } from 'widget-token-server'

export const ORIGIN = 'https://portal.example'
export const ORG = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'
export const BASE = `${ORIGIN}/api/v1/embedded-cx`

/** Where every test's fake clock starts. */
export const TEST_START = Date.UTC(2026, 10, 25, 9)

const open = new Set<TokenService>()

/** Each test starts at {@link TEST_START} under fake timers; the services it made are closed after it, their clock guards with them. */
export function runOnFakeTime() {
  beforeEach(() => {
    vi.useFakeTimers({ now: TEST_START })
  })
  afterEach(() => {
    for (const service of open) service.close()
    open.clear()
    vi.useRealTimers()
  })
}

export const quietLogger = () => ({ warn: vi.fn(), error: vi.fn() })

/** A service whose sessions are the `X-Session` header, so tests need no cookie jar. */
export function createService(overrides: Partial<TokenServiceOptions> = {}) {
  const logger = quietLogger()
  const service = createTokenService({
    issuer: 'enterprise-portal-auth',
    audience: ORG,
    clock: false,
    // ES256 keys are generated in milliseconds; RS256 is the default and gets its own tests.
    algorithm: 'ES256',
    logger,
    authenticate: (request) => {
      const session = request.headers.get('x-session')
      return session ? { subject: `customer-${session}`, session, claims: { embeddedCxCustomer: { id: `customer-${session}` } } } : undefined
    },
    ...overrides,
  })
  open.add(service)
  return { service, logger }
}

export function tokenRequest(path = '/token', { session = 'a', origin = ORIGIN as string | null, body = '{}' as BodyInit | null, headers = {} as Record<string, string> } = {}) {
  const all: Record<string, string> = { 'Content-Type': 'application/json', ...headers }
  if (origin) all.Origin = origin
  if (session) all['X-Session'] = session
  return new Request(`${BASE}${path}`, { method: 'POST', headers: all, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit)
}

export const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
