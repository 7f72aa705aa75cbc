import platformClient from 'purecloud-platform-client-v2'

export type ApiClient = typeof platformClient.ApiClient
export type Gateway = Parameters<ApiClient['setGateway']>[0]

export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A failed Platform API call: status and Genesys error code only, never the request or response body. */
export class PlatformError extends Error {
  override name = 'PlatformError'
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${operation} failed: ${status ?? 'no response'}${code ? ` ${code}` : ''}`)
  }
}

export function isPlatformError(value: unknown): value is PlatformError {
  return value instanceof Error && value.name === 'PlatformError' && 'operation' in value
}

export interface PlatformSessionOptions {
  clientId: string
  clientSecret: string
  /** Where the API and login live, e.g. the simulation: `{ host: '127.0.0.1', protocol: 'http', port }`. */
  gateway?: Gateway | undefined
  /** The region, e.g. `mypurecloud.de`, when no gateway is set. */
  environment?: string | undefined
  /** Renew the client-credentials token this long before it expires (at most half its life). Default 5 min. */
  renewLeewayMs?: number | undefined
  /** Tries per call while the API answers 429. Default 5. */
  maxRateLimitTries?: number | undefined
  /** A `Retry-After` longer than this fails the call instead of stalling the worker. Default 60 s. */
  maxRetryAfterMs?: number | undefined
  apiClient?: ApiClient | undefined
  clock?: Clock | undefined
  sleep?: ((ms: number) => Promise<void>) | undefined
  log?: ((line: string) => void) | undefined
}

export interface PlatformSession {
  readonly apiClient: ApiClient
  readonly notifications: InstanceType<typeof platformClient.NotificationsApi>
  readonly conversations: InstanceType<typeof platformClient.ConversationsApi>
  /** Logs in and keeps the token renewed until `stop()`. */
  login(): Promise<void>
  /**
   * Runs one SDK call: waits out 429s as `Retry-After` says (the SDK does not retry), logs in again
   * once on 401, and turns failures into `PlatformError`.
   */
  call<T>(operation: string, request: () => Promise<T>): Promise<T>
  stop(): void
}

/**
 * The package's types declare only the shared `ApiClient.instance`, but its runtime exports the class
 * too: a worker gets a client of its own, so two workers in one process keep separate tokens.
 */
export function createApiClient(): ApiClient {
  const { ApiClientClass } = platformClient as unknown as { ApiClientClass: new () => ApiClient }
  const client = new ApiClientClass()
  client.config.live_reload_config = false
  return client
}

interface HttpFailure {
  status?: number
  headers?: Record<string, unknown>
  body?: { code?: unknown } | string
  response?: { status?: number; headers?: Record<string, unknown>; data?: { code?: unknown } }
}

export function retryAfterMs(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' && typeof header !== 'number') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(String(header))
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function toPlatformError(operation: string, reason: unknown, now: number): PlatformError {
  const failure = (reason ?? {}) as HttpFailure
  // Extended responses reject with { status, headers, body }; the login rejects with axios's error.
  const status = failure.status ?? failure.response?.status
  const headers = failure.headers ?? failure.response?.headers ?? {}
  const body = typeof failure.body === 'object' ? failure.body : failure.response?.data
  const code = typeof body?.code === 'string' ? body.code : undefined
  return new PlatformError(operation, status, code, retryAfterMs(headers['retry-after'], now))
}

export function createPlatformSession(options: PlatformSessionOptions): PlatformSession {
  const {
    clientId,
    clientSecret,
    renewLeewayMs = 5 * 60_000,
    maxRateLimitTries = 5,
    maxRetryAfterMs = 60_000,
    clock = systemClock,
    sleep = realSleep,
    log = () => {},
  } = options
  if (!clientId || !clientSecret) throw new TypeError('platform: clientId and clientSecret are required')
  const apiClient = options.apiClient ?? createApiClient()
  if (options.gateway) apiClient.setGateway(options.gateway)
  else if (options.environment) apiClient.setEnvironment(options.environment)
  // Extended responses are the SDK's documented way to see response headers, Retry-After among them.
  apiClient.setReturnExtendedResponses(true)
  const notifications = new platformClient.NotificationsApi(apiClient)
  const conversations = new platformClient.ConversationsApi(apiClient)
  let renewal: unknown
  let stopped = false
  let loggingIn: Promise<void> | undefined
  let tokenGeneration = 0

  async function grant(): Promise<void> {
    const auth = await withRateLimit('login', () => apiClient.loginClientCredentialsGrant(clientId, clientSecret))
    tokenGeneration++
    const lifetimeMs = auth.tokenExpiryTime - clock.now()
    const renewInMs = Math.max(1000, lifetimeMs - Math.min(renewLeewayMs, lifetimeMs / 2))
    log(`platform: token granted, renewing in ${Math.round(renewInMs / 1000)} s`)
    scheduleRenewal(renewInMs)
  }

  function scheduleRenewal(inMs: number) {
    if (renewal !== undefined) clock.clearTimeout(renewal)
    if (stopped) return
    renewal = clock.setTimeout(() => {
      renewal = undefined
      login().catch((error: unknown) => {
        log(`platform: token renewal failed (${describe(error)}), trying again in 30 s`)
        scheduleRenewal(30_000)
      })
    }, inMs)
  }

  function login(): Promise<void> {
    loggingIn ??= grant().finally(() => {
      loggingIn = undefined
    })
    return loggingIn
  }

  async function withRateLimit<T>(operation: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request()
      } catch (reason) {
        const error = isPlatformError(reason) ? reason : toPlatformError(operation, reason, clock.now())
        if (error.status !== 429 || attempt >= maxRateLimitTries || stopped) throw error
        const waitMs = error.retryAfterMs ?? 1000 * 2 ** (attempt - 1)
        if (waitMs > maxRetryAfterMs) throw error
        log(`platform: ${operation} rate limited, retrying in ${waitMs} ms`)
        await sleep(waitMs)
      }
    }
  }

  async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    const unwrap = async () => ((await request()) as unknown as { body: T }).body
    const generationUsed = tokenGeneration
    try {
      return await withRateLimit(operation, unwrap)
    } catch (error) {
      if (!isPlatformError(error) || error.status !== 401 || stopped) throw error
      // Calls that failed together on the old token share one new login.
      if (tokenGeneration === generationUsed) {
        log(`platform: ${operation} got 401, logging in again`)
        await login()
      }
      return withRateLimit(operation, unwrap)
    }
  }

  return {
    apiClient,
    notifications,
    conversations,
    login,
    call,
    stop() {
      stopped = true
      if (renewal !== undefined) clock.clearTimeout(renewal)
      renewal = undefined
    },
  }
}

export function describe(error: unknown): string {
  if (isPlatformError(error)) return error.message
  return error instanceof Error ? error.message : 'unknown error'
}
