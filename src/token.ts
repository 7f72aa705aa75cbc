import { jwtDecode, type JwtPayload } from 'jwt-decode'
import { WidgetTokenError, type ErrorCode } from './errors'

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
  /** Seconds the server says the token lives (`expiresIn`); a finite number or undefined. */
  expiresIn?: number | undefined
  /** The local wall clock when the request was sent, epoch ms. */
  sentAt: number
}

export const MAX_TOKEN_BYTES = 4096
export const LARGE_TOKEN_BYTES = 3584
// Three base64url parts, the header a JSON object (`{"` encodes as `eyJ`): checked without decoding it.
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/

/**
 * Decodes and checks a token before anything reaches the widget.
 * Throws a {@link WidgetTokenError} naming the first check that failed; its message quotes no part of the token.
 */
export function inspectToken(token: string, options: InspectOptions): TokenInfo {
  const invalid = (code: ErrorCode, detail?: string) => new WidgetTokenError(code, detail)

  if (token.length > MAX_TOKEN_BYTES) throw invalid('token_too_large', `${token.length} bytes > ${MAX_TOKEN_BYTES}`)
  if (!JWT_SHAPE.test(token)) throw invalid('malformed_token')
  let claims: JwtPayload | null | undefined
  try {
    claims = jwtDecode(token)
  } catch {
    // jwt-decode's message quotes the decoded payload: it stays out of the error, which the next line throws.
  }
  if (typeof claims !== 'object' || !claims) throw invalid('malformed_token', 'payload')
  if (typeof claims.exp !== 'number') throw invalid('missing_exp', 'no numeric exp')
  const expiresAt = claims.exp * 1000
  const issuedAt = typeof claims.iat === 'number' ? claims.iat * 1000 : undefined
  if (issuedAt !== undefined && expiresAt <= issuedAt) throw invalid('invalid_lifetime')
  const { audience } = options
  if (audience !== undefined && ![claims.aud].flat().includes(audience)) throw invalid('audience_mismatch', `aud ${JSON.stringify(claims.aud)}, expected ${audience}`)

  const lifetimeMs = lifetimeOf(expiresAt, issuedAt, options)
  if (!(lifetimeMs > 0)) throw invalid('expired_token')
  return {
    issuedAt,
    expiresAt,
    lifetimeMs,
    bytes: token.length,
    skewMs: issuedAt === undefined ? undefined : issuedAt - options.sentAt,
  }
}

/**
 * The server's `expiresIn` beats any comparison with the local clock, which may be minutes off; it
 * never stretches the token past its own `exp − iat`. Without it, `exp − iat` is trusted for a
 * token the local clock does not already see as expired, and the local clock decides otherwise.
 */
function lifetimeOf(expiresAt: number, issuedAt: number | undefined, { expiresIn, sentAt }: InspectOptions): number {
  if (expiresIn !== undefined) return Math.min(expiresIn * 1000, expiresAt - (issuedAt ?? -Infinity))
  return issuedAt === undefined || expiresAt <= sentAt ? expiresAt - sentAt : expiresAt - issuedAt
}
