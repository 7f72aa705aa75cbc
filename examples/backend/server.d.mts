import type { Server } from 'node:http'
import type { ClockGuardOptions, SigningKeyInput, Store } from 'widget-token-server'

export interface BackendSession {
  customerId: string
  /** The name given at sign-in. */
  name: string
  /** A stable name for the session that cannot be turned back into its cookie: the digest of its id. */
  handle: string
}

export interface BackendOptions {
  host?: string
  /** 0 picks a free port. Default 0. */
  port?: number
  /** How long each token lives. Default 90. */
  ttlSeconds?: number
  /** Passed to the pages' token managers. Default 20. */
  leewaySeconds?: number
  /** The `aud` of every token. */
  organizationId?: string | undefined
  issuer?: string
  /** The widget's origin, allowed in the pages' `frame-src`. */
  widgetOrigin?: string
  /** Payloads whose base64url encoding is longer are refused with a 422 before signing. Default 3584. */
  maxPayloadBytes?: number | undefined
  /** Whole signed tokens above this are refused with a 422. Default 4096. */
  maxTokenBytes?: number | undefined
  /** The token service's clock guard. Default: none, with a warning in the log. */
  clock?: ClockGuardOptions | false | undefined
  /** Signing keys. Default: one generated in memory, with a warning in the log. */
  keys?: SigningKeyInput[] | undefined
  /** Signs the session cookie. Default: random per process. */
  sessionSecret?: string | undefined
  /** Sessions end this long after sign-in. Default 28 800 (8 hours). */
  sessionTtlSeconds?: number
  /** The session store keeps at most this many; the least recently used go first. Default 10 000. */
  maxSessions?: number
  /**
   * Sessions, shared refreshes and the key schedule in a shared store (e.g. `createRedisStore`), so
   * several backend instances serve one portal. Requires `keys`. Default: this process's memory.
   */
  store?: Store | undefined
  /** The server's clock. */
  now?: () => number
  /** The demo sign-in's identity provider: the customer id a name signs in as. Default: a new random id per sign-in. */
  identify?: (name: string) => string
  /**
   * Extra claims for a session's tokens, asked for at every token request. `handle` names the
   * session without being its cookie (see `customerIdFor`). Default: none.
   */
  claimsFor?: (session: BackendSession) => Record<string, unknown> | Promise<Record<string, unknown>>
  log?: (line: string) => void
  /**
   * Called for every POST to the token endpoints with the reason the page gave (the SDK sends
   * `{"reason":"…"}`; `undefined` when the body holds none). Default: a line in `log`.
   */
  onTokenRequest?: (request: { path: string; reason: string | undefined }) => void
}

export interface Backend {
  server: Server
  /** `http://host:port`, without a trailing slash. */
  url: string
  rotateKey(): Promise<{ kid: string; activatesAt: number }>
  failNext(...statuses: number[]): void
  endSessions(): void
  /** The customer of the session `handle` names, or `undefined` once that session has ended. */
  customerIdFor(handle: string): Promise<string | undefined>
  close(): Promise<void>
}

export function createBackend(options?: BackendOptions): Promise<Backend>
