import { base64url, SignJWT } from 'jose'

export class TokenRefusal extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * Signs Embedded CX tokens as the design guide asks: RS256 with a `kid`, `aud` = the organization
 * id, reference ids only. Refuses to sign oversized claims and when the clock cannot be trusted,
 * because the widget's provider would reject such tokens anyway, and later.
 */
export function createIssuer({ keyRing, organizationId, issuer, ttlSeconds, maxTokenBytes, maxClockDriftMs, now, referenceNow, claimsFor }) {
  return async function issue(session) {
    const driftMs = now() - referenceNow()
    if (Math.abs(driftMs) > maxClockDriftMs) {
      throw new TokenRefusal(503, 'clock_drift', `the server clock is ${Math.round(driftMs / 1000)} s off its reference; tokens are not issued until it is corrected`)
    }
    const iat = Math.floor(now() / 1000)
    const claims = {
      embeddedCxCustomer: { id: session.customerId },
      routing: { queueId: 'messaging-queue', language: 'en-US' },
      ...claimsFor(session),
    }
    const payload = { ...claims, aud: organizationId, iss: issuer, sub: session.customerId, iat, exp: iat + ttlSeconds }
    const encodedBytes = base64url.encode(JSON.stringify(payload)).length
    if (encodedBytes > maxTokenBytes) {
      throw new TokenRefusal(500, 'claims_too_large', `the claims encode to ${encodedBytes} bytes, over the ${maxTokenBytes}-byte limit: put reference ids in the token, not records`)
    }
    const key = keyRing.current
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey)
    keyRing.signed((iat + ttlSeconds) * 1000)
    return { token, expiresIn: ttlSeconds }
  }
}
