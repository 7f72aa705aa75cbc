/** Builds an unsigned JWT for tests; the SDK decodes, it never verifies signatures. */
export function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  return `${encode(header)}.${encode(claims)}.c2lnbmF0dXJl`
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

export const ORG_ID = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'
