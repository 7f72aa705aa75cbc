import { InvalidTokenError, jwtDecode, type JwtPayload } from 'jwt-decode'
import { WidgetTokenError } from './errors'

/** What the SDK keeps of a token: its times and size, never the token itself. */
export interface TokenInfo {
  /** `iat`, epoch ms on the server's clock, when the token has one. */
  issuedAt: number | undefined
  /** `exp`, epoch ms on the server's clock. */
  expiresAt: number
  /** How long the token lives from the moment it was requested. */
  lifetimeMs: number
  /** Encoded length. */
  bytes: number
  /** The server's clock minus the local clock, as far as `iat` tells. */
  skewMs: number | undefined
}

export interface InspectOptions {
  /** Expected `aud`; skipped when undefined. */
  audience?: string | undefined
  /** Seconds the server says the token lives (`expiresIn`). */
  expiresIn?: number | undefined
  /** The server's clock at the response (its `Date` header), epoch ms. */
  serverNow?: number | undefined
  /** The local clock when the request was sent, epoch ms. */
  sentAt: number
}

export const MAX_TOKEN_BYTES = 4096
export const LARGE_TOKEN_BYTES = 3584
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/

/**
 * Decodes and checks a token before anything reaches the widget.
 * Throws a {@link WidgetTokenError} naming the first check that failed.
 */
export function inspectToken(token: string, options: InspectOptions): TokenInfo {
  if (token.length > MAX_TOKEN_BYTES) {
    throw new WidgetTokenError('token_too_large', `the token is ${token.length} bytes; widgets accept at most ${MAX_TOKEN_BYTES}`)
  }
  const claims = decode(token)
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw new WidgetTokenError('missing_exp', 'the token has no numeric exp claim')
  }
  const expiresAt = claims.exp * 1000
  const issuedAt = typeof claims.iat === 'number' ? claims.iat * 1000 : undefined
  if (issuedAt !== undefined && expiresAt <= issuedAt) {
    throw new WidgetTokenError('invalid_lifetime', 'the token expires before it was issued (exp <= iat)')
  }
  checkAudience(claims.aud, options.audience)

  const lifetimeMs = lifetimeOf(expiresAt, issuedAt, options)
  if (lifetimeMs <= 0) {
    throw new WidgetTokenError('expired_token', 'the token has already expired')
  }
  return {
    issuedAt,
    expiresAt,
    lifetimeMs,
    bytes: token.length,
    skewMs: issuedAt === undefined ? undefined : issuedAt - options.sentAt,
  }
}

function decode(token: string): JwtPayload {
  if (!JWT_SHAPE.test(token)) {
    throw new WidgetTokenError('malformed_token', 'the token is not three base64url parts')
  }
  try {
    jwtDecode(token, { header: true })
    return jwtDecode(token)
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error
    throw new WidgetTokenError('malformed_token', 'the token does not decode as a JWT', { cause: error })
  }
}

function checkAudience(aud: JwtPayload['aud'], expected: string | undefined): void {
  if (expected === undefined) return
  const audiences = Array.isArray(aud) ? aud : [aud]
  if (!audiences.includes(expected)) {
    throw new WidgetTokenError('audience_mismatch', `the token's aud is not the widget's organization (${expected})`)
  }
}

// The server's word on how long the token lives beats any comparison with the local clock,
// which may be minutes off. Without it, the token's own claims measure it from the server's
// clock (its `Date` header, else `iat`); the local clock is the last resort.
function lifetimeOf(expiresAt: number, issuedAt: number | undefined, options: InspectOptions): number {
  const serverStart = options.serverNow ?? issuedAt
  const byClaims = serverStart === undefined ? undefined : expiresAt - serverStart
  if (options.expiresIn !== undefined) return Math.min(options.expiresIn * 1000, byClaims ?? Infinity)
  return byClaims ?? expiresAt - options.sentAt
}
