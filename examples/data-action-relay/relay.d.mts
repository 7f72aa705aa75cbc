import type { Server } from 'node:http'
import type { Hono } from 'hono'

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
  /** Larger request bodies get 413. Default 16 KiB. */
  maxBodyBytes?: number | undefined
  /** A request body that has not arrived whole in this time gets 408. Default 10000. */
  bodyTimeoutMs?: number | undefined
  /** Larger upstream answers are cut off with 502. Default 1 MiB. */
  maxUpstreamBytes?: number | undefined
  /** A slower upstream (headers and body) gets 504. Default 5000. */
  upstreamTimeoutMs?: number | undefined
  /** Verify the caller's JWT against the identity provider's keys. Required unless `allowUnverified`. */
  jwks?: { url: string; issuer?: string | undefined; audience?: string | undefined } | undefined
  /** Forward tokens checked only for shape and expiry. For development only. */
  allowUnverified?: boolean | undefined
  now?: () => number
  fetch?: typeof globalThis.fetch
  log?: (line: string) => void
}

/** The relay as a Hono app, for platforms that take a `fetch` handler. */
export function createRelayApp(options: RelayOptions): Hono
/** The relay as a Node HTTP server, not yet listening. Throws a TypeError for missing settings. */
export function createRelay(options: RelayOptions): Server
