import { vi } from 'vitest'
import { createTokenManager, genWidget } from '../../src'
import { createBackend } from '../helpers/backend'
import { jwt } from '../helpers/jwt'
import { ENDPOINT, genConfig, T0 } from '../helpers/setup'
import { createFakeGen } from '../helpers/widget'
import { createFakeLocks } from '../helpers/locks'
import { installBroadcastChannel } from '../helpers/channel'
import { importPeer } from './peers'

/** The parts of @supabase/auth-js the bench drives. */
interface SupabaseAuth {
  GoTrueClient: new (options: {
    url: string
    autoRefreshToken: boolean
    persistSession: boolean
    detectSessionInUrl: boolean
    storage: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void }
    fetch: (input: RequestInfo | URL) => Promise<Response>
  }) => {
    setSession(tokens: { access_token: string; refresh_token: string }): Promise<{ error: Error | null }>
    stopAutoRefresh(): Promise<void>
  }
}

/** The parts of oidc-client-ts the bench drives. */
interface OidcClient {
  UserManager: new (settings: Record<string, unknown>) => { storeUser(user: object): Promise<void>; getUser(): Promise<object | null>; stopSilentRenew(): void }
  User: new (settings: Record<string, unknown>) => object
  WebStorageStateStore: new (settings: { store: object }) => object
  InMemoryWebStorage: new () => object
}

const HOUR = 3_600_000
const IDLE_HOURS = 24
const TOKEN_SECONDS = 1800

export interface IdleCost {
  /** Timer and interval callbacks that ran, per idle hour. */
  wakeUpsPerHour: number
  /** Token requests the library made, per idle hour. */
  requestsPerHour: number
}

/** A library kept alive by its own timers: started once, then left alone; counts its token requests. */
interface Subject {
  start(): Promise<void>
  stop(): Promise<void> | void
  readonly requests: number
}

/**
 * Runs `subject` through a simulated idle day under fake timers, counting every timer callback that
 * runs, whoever armed it. The count starts once the subject has its first token.
 */
async function measureIdleDay(open: () => Subject): Promise<IdleCost> {
  vi.useFakeTimers({ now: T0 })
  const fakeSetTimeout = globalThis.setTimeout
  const fakeSetInterval = globalThis.setInterval
  let fired = 0
  const counted = (callback: (...args: unknown[]) => void) => (...args: unknown[]) => {
    fired++
    callback(...args)
  }
  globalThis.setTimeout = ((callback: () => void, delayMs?: number, ...args: unknown[]) => fakeSetTimeout(counted(callback), delayMs, ...args)) as typeof setTimeout
  globalThis.setInterval = ((callback: () => void, delayMs?: number, ...args: unknown[]) => fakeSetInterval(counted(callback), delayMs, ...args)) as typeof setInterval
  try {
    const subject = open()
    // A new tab asks the open ones for their token before the backend: time has to move meanwhile.
    const started = subject.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started
    const [firedBefore, requestsBefore] = [fired, subject.requests]
    await vi.advanceTimersByTimeAsync(IDLE_HOURS * HOUR)
    const cost = { wakeUpsPerHour: (fired - firedBefore) / IDLE_HOURS, requestsPerHour: (subject.requests - requestsBefore) / IDLE_HOURS }
    await subject.stop()
    return cost
  } finally {
    globalThis.setTimeout = fakeSetTimeout
    globalThis.setInterval = fakeSetInterval
    vi.useRealTimers()
  }
}

/** widget-token with its defaults, tab sharing included (here with Web Locks and a channel, as in a browser). */
function widgetToken(): Subject {
  const backend = createBackend({ ttlSeconds: TOKEN_SECONDS })
  const restoreChannel = installBroadcastChannel()
  vi.stubGlobal('navigator', { ...globalThis.navigator, locks: createFakeLocks().locks })
  const manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: genWidget({ config: genConfig, gen: createFakeGen().gen }) })
  return {
    start: () => manager.start(),
    stop() {
      manager.stop()
      restoreChannel()
      vi.unstubAllGlobals()
    },
    get requests() {
      return backend.requests.length
    },
  }
}

const accessToken = () => {
  const iat = Math.floor(Date.now() / 1000)
  return jwt({ sub: 'visitor-1', aud: 'authenticated', role: 'authenticated', iat, exp: iat + TOKEN_SECONDS })
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })

/**
 * supabase auth-js `GoTrueClient` with `autoRefreshToken`, a session set through `setSession`, and a
 * stubbed GoTrue API (`/user`, `/token?grant_type=refresh_token`).
 */
function supabase({ GoTrueClient }: SupabaseAuth): Subject {
  let requests = 0
  const user = { id: 'visitor-1', aud: 'authenticated', role: 'authenticated', app_metadata: {}, user_metadata: {}, created_at: new Date(T0).toISOString() }
  const session = () => ({ access_token: accessToken(), refresh_token: `refresh-${requests}`, token_type: 'bearer', expires_in: TOKEN_SECONDS, expires_at: Math.floor(Date.now() / 1000) + TOKEN_SECONDS, user })
  const fetch = async (input: RequestInfo | URL) => {
    const url = String(input)
    if (url.includes('grant_type=refresh_token')) {
      requests++
      return json(session())
    }
    if (url.endsWith('/user')) return json(user)
    return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } })
  }
  const store = new Map<string, string>()
  const client = new GoTrueClient({
    url: 'https://project.supabase.test/auth/v1',
    autoRefreshToken: true,
    persistSession: true,
    detectSessionInUrl: false,
    storage: { getItem: (key) => store.get(key) ?? null, setItem: (key, value) => void store.set(key, value), removeItem: (key) => void store.delete(key) },
    fetch,
  })
  return {
    async start() {
      const { error } = await client.setSession({ access_token: accessToken(), refresh_token: 'refresh-start' })
      if (error) throw error
    },
    stop: () => client.stopAutoRefresh(),
    get requests() {
      return requests
    },
  }
}

/**
 * oidc-client-ts `UserManager` with `automaticSilentRenew` (refresh-token grant, so no iframe), its
 * provider metadata given inline and a stubbed token endpoint.
 */
function oidcClient({ InMemoryWebStorage, User, UserManager, WebStorageStateStore }: OidcClient): Subject {
  let requests = 0
  const fetch = async (input: RequestInfo | URL) => {
    if (!String(input).endsWith('/token')) return new Response('{}', { status: 404 })
    requests++
    return json({ access_token: accessToken(), refresh_token: `refresh-${requests}`, token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: 'openid' })
  }
  vi.stubGlobal('fetch', fetch)
  const authority = 'https://idp.example.test'
  const manager = new UserManager({
    authority,
    client_id: 'portal',
    redirect_uri: 'https://portal.example.test/callback',
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    metadata: { issuer: authority, authorization_endpoint: `${authority}/authorize`, token_endpoint: `${authority}/token` },
  })
  return {
    async start() {
      const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_SECONDS
      await manager.storeUser(new User({ access_token: accessToken(), refresh_token: 'refresh-start', token_type: 'Bearer', scope: 'openid', profile: { sub: 'visitor-1', iss: authority, aud: 'portal', exp: expiresAt, iat: expiresAt - TOKEN_SECONDS }, expires_at: expiresAt }))
      if (!(await manager.getUser())) throw new Error('oidc-client-ts did not load the user')
    },
    stop() {
      manager.stopSilentRenew()
      vi.unstubAllGlobals()
    },
    get requests() {
      return requests
    },
  }
}

/** Timer wake-ups and token requests per idle hour, with a 30-minute token, for widget-token and each peer. */
export async function idleCosts(): Promise<Record<string, IdleCost>> {
  // Loaded before any clock is faked: a first run installs them.
  const supabaseAuth = await importPeer<SupabaseAuth>('@supabase/auth-js')
  const oidc = await importPeer<OidcClient>('oidc-client-ts')
  const subjects: Record<string, () => Subject> = {
    'widget-token': widgetToken,
    '@supabase/auth-js': () => supabase(supabaseAuth),
    'oidc-client-ts': () => oidcClient(oidc),
  }
  const costs: Record<string, IdleCost> = {}
  for (const [name, open] of Object.entries(subjects)) costs[name] = await measureIdleDay(open)
  return costs
}
