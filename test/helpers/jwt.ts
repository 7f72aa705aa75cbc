/** Builds an unsigned JWT for tests; the SDK decodes, it never verifies signatures. */
export function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  return `${encode(header)}.${encode(claims)}.c2lnbmF0dXJl`
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

export const ORG_ID = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'

/** A token for {@link ORG_ID} issued now (on fake time) that lives `ttlSeconds`; `claims` add to its own or replace them. */
export function freshToken(ttlSeconds = 1800, claims: Record<string, unknown> = {}): string {
  const iat = Math.floor(Date.now() / 1000)
  return jwt({ aud: ORG_ID, iat, exp: iat + ttlSeconds, ...claims })
}
