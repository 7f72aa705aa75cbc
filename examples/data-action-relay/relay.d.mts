import type { Server } from 'node:http'

export interface RelayRoute {
  /** The internal API's method. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The internal API's path, resolved against `upstreamUrl`. */
  path: string
}

export interface RelayOptions {
  clientId: string | undefined
  clientSecret: string | undefined
  upstreamUrl: string | undefined
  /** `"POST /relay/name"` → the upstream call it makes. Nothing outside this list is forwarded. */
  routes: Record<string, RelayRoute>
  /** The body field that carries the caller's JWT. Default `userToken`. */
  tokenField?: string | undefined
  /** Default 16 KiB. */
  maxBodyBytes?: number | undefined
  /** Default 5000. */
  upstreamTimeoutMs?: number | undefined
  /** Verify the caller's JWT against the identity provider's keys, not only its shape and expiry. */
  jwks?: { url: string; issuer?: string | undefined; audience?: string | undefined } | undefined
  now?: () => number
  fetch?: typeof globalThis.fetch
  log?: (line: string) => void
}

export function createRelay(options: RelayOptions): Server
