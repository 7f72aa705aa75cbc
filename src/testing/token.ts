export interface UnsignedTokenOptions {
  /** Seconds from `iat` to `exp`. Default 1800. */
  lifetimeSeconds?: number
  /** The issue time, epoch ms. Default: `Date.now()`, so fake timers apply. */
  issuedAt?: number
  /** Claims to add or override (`aud`, `sub`, …). */
  claims?: Record<string, unknown>
}

/**
 * A well-formed JWT with `alg: none` and no signature. The SDK decodes tokens and never verifies
 * them (the widget's provider does), so these pass every check a real token passes.
 *
 * @example
 * const token = unsignedToken({ lifetimeSeconds: 600, claims: { aud: 'my-org-id' } })
 */
export function unsignedToken({ lifetimeSeconds = 1800, issuedAt = Date.now(), claims = {} }: UnsignedTokenOptions = {}): string {
  const iat = Math.floor(issuedAt / 1000)
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'test-visitor', iat, exp: iat + lifetimeSeconds, ...claims })}.`
}

// UTF-8 through encodeURIComponent rather than TextEncoder, which Jest's jsdom environment lacks.
function base64url(value: unknown): string {
  const binary = encodeURIComponent(JSON.stringify(value)).replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
