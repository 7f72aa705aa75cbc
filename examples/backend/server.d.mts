import type { Server } from 'node:http'

export interface BackendOptions {
  host?: string
  /** 0 picks a free port. Default 0. */
  port?: number
  /** How long each token lives. Default 90. */
  ttlSeconds?: number
  /** Passed to the pages' token managers. Default 20. */
  leewaySeconds?: number
  /** The `aud` of every token. */
  organizationId?: string
  issuer?: string
  /** The widget's origin, allowed in the pages' `frame-src`. */
  widgetOrigin?: string
  /** Encoded claims above this are refused with a 500. Default 3584. */
  maxTokenBytes?: number
  /** Tokens are refused with a 503 while `now()` and `referenceNow()` differ by more. Default 10 000. */
  maxClockDriftMs?: number
  /** The server's clock. */
  now?: () => number
  /** A trusted clock to compare against (an NTP-disciplined service in production). */
  referenceNow?: () => number
  /** Extra claims for a session's tokens. */
  claimsFor?: (session: { customerId: string; name: string }) => Record<string, unknown>
  log?: (line: string) => void
}

export interface Backend {
  server: Server
  /** `http://host:port`, without a trailing slash. */
  url: string
  rotateKey(): Promise<string>
  failNext(...statuses: number[]): void
  endSessions(): void
  close(): Promise<void>
}

export function createBackend(options?: BackendOptions): Promise<Backend>
