import { vi } from 'vitest'
import { jwt, ORG_ID } from './jwt'

/** What the next request gets; by default a fresh token. */
export type Outcome =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { token: string; expiresIn?: number | undefined }
  | { throws: unknown }
  | 'hang'

export interface BackendOptions {
  ttlSeconds?: number
  /** How far the server's clock is ahead of the device's. */
  serverAheadMs?: number
  audience?: string
  claims?: Record<string, unknown>
}

/** A portal backend as a fake `fetch`: issues tokens on the server's clock and records every request. */
export function createBackend({ ttlSeconds = 1800, serverAheadMs = 0, audience = ORG_ID, claims = {} }: BackendOptions = {}) {
  const outcomes: Outcome[] = []
  const requests: Array<{ url: string; init: RequestInit }> = []
  const issued: string[] = []
  const serverNow = () => Date.now() + serverAheadMs

  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    requests.push({ url: String(input), init })
    if (backend.latencyMs) await new Promise((answered) => setTimeout(answered, backend.latencyMs))
    const outcome = outcomes.shift()
    const date = new Date(serverNow()).toUTCString()
    if (outcome === 'hang') {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
    }
    if (outcome && 'throws' in outcome) throw outcome.throws
    if (outcome && 'status' in outcome) {
      return new Response(outcome.body ?? '', { status: outcome.status, headers: { date, ...outcome.headers } })
    }
    const iat = Math.floor(serverNow() / 1000)
    const token = outcome?.token ?? jwt({ aud: audience, iss: 'portal', sub: 'visitor-1', iat, exp: iat + ttlSeconds, ...claims })
    issued.push(token)
    const body = { token, expiresIn: outcome && 'expiresIn' in outcome ? outcome.expiresIn : ttlSeconds }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', date } })
  })

  const backend = {
    fetch,
    requests,
    /** Every token the backend handed out, newest last. */
    issued,
    /** How long each answer takes, on the (fake) timers. Default 0: at once. */
    latencyMs: 0,
    /** Queues what the next requests get, in order. */
    answer(...next: Outcome[]) {
      outcomes.push(...next)
    },
  }
  return backend
}

export type Backend = ReturnType<typeof createBackend>
