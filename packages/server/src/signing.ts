import { SignJWT } from 'jose'
import type { KeyRing } from './ring'
import type { Authenticated, IssuedToken } from './options'
import { TokenRefusal } from './refusal'
import type { Store } from './store'

const REGISTERED = ['aud', 'iss', 'sub', 'iat', 'exp', 'nbf', 'jti']

interface Signed {
  token: string
  expiresAt: number
}

export interface SignerOptions {
  issuer: string
  audience: string
  ttlSeconds: number
  /** The payload's base64url length, checked before signing (the guide's EC3: 3.5 KB). */
  maxPayloadBytes: number
  /** The whole signed token, checked after: what the browser SDK and the widget accept. */
  maxTokenBytes: number
  /** Token requests of one session within this window share one token. */
  windowMs: number
  ring: Promise<KeyRing>
  /** Shared with other instances; without one, this process's own window is the only one there is. */
  store: Store | undefined
  /** Rejects with a refusal while the clock cannot be trusted. */
  checkClock: () => Promise<void>
}

/**
 * Counted from the request's own instant, the one iat was taken from, so that a fresh token answers
 * exactly ttlSeconds however long signing took, as the SDK expects; a shared one answers what is left.
 */
export const answer = (at: number, { token, expiresAt }: Signed): IssuedToken => ({
  token,
  expiresIn: Math.max(0, Math.ceil((expiresAt - at) / 1000)),
})

const encoder = new TextEncoder()
// Claims are nearly always ASCII, whose length in bytes is its length: no copy to count them.
const utf8Length = (text: string) => (/[^\x00-\x7f]/.test(text) ? encoder.encode(text).byteLength : text.length)
/** Unpadded, as in a JWT: 4 characters per 3 bytes, and 2 or 3 for the 1 or 2 bytes left over. */
export const base64urlLength = (bytes: number) => Math.floor(bytes / 3) * 4 + [0, 2, 3][bytes % 3]!

/** Signs the widget's tokens, and shares one per session within the refresh window. */
export function createSigner({ issuer, audience, ttlSeconds, maxPayloadBytes, maxTokenBytes, windowMs, ring, store, checkClock }: SignerOptions) {
  const recent = new Map<string, { issuedAt: number; issued: Promise<Signed> }>()

  async function sign(at: number, subject: string, claims: Record<string, unknown> = {}): Promise<Signed> {
    // The service alone sets these: an application's value would be a bug, and dropping it would hide one.
    const registered = Object.keys(claims).filter((name) => REGISTERED.includes(name))
    if (registered.length > 0) throw new TypeError(`widget-token-server: extra claims may not set ${registered.sort().join(', ')}: the service sets them`)
    await checkClock()
    const iat = Math.floor(at / 1000)
    const exp = iat + ttlSeconds
    // Exactly what is signed: jose serialises this object as it is.
    const payload = { ...claims, aud: audience, iss: issuer, sub: subject, iat, exp, jti: globalThis.crypto.randomUUID() }
    const payloadLength = base64urlLength(utf8Length(JSON.stringify(payload)))
    if (payloadLength > maxPayloadBytes) {
      throw new TokenRefusal('token_too_large', 422, `the payload encodes to ${payloadLength} bytes of base64url, over the ${maxPayloadBytes}-byte limit: put reference ids in the claims, not records`)
    }
    const keyRing = await ring
    const key = await keyRing.signingKey()
    const token = await new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey)
    // The token is ASCII: its length is its size in bytes.
    if (token.length > maxTokenBytes) {
      throw new TokenRefusal('token_too_large', 422, `the token encodes to ${token.length} bytes, over the ${maxTokenBytes}-byte limit the widget accepts: put reference ids in the claims, not records`)
    }
    keyRing.signed(key, exp * 1000)
    return { token, expiresAt: exp * 1000 }
  }

  /**
   * One token per session per window, across instances: each may sign, but only the first to record
   * its token in the store hands it out; the others answer with that one.
   */
  async function issueShared(at: number, sessionKey: string, who: Authenticated, fresh: boolean): Promise<Signed> {
    if (!store) return sign(at, who.subject, who.claims)
    const key = `refresh:${sessionKey}`
    if (fresh) {
      const issued = await sign(at, who.subject, who.claims)
      await store.set(key, JSON.stringify(issued), windowMs)
      return issued
    }
    const shared = await store.get(key)
    if (shared) return JSON.parse(shared) as Signed
    const issued = await sign(at, who.subject, who.claims)
    if (await store.setIfAbsent(key, JSON.stringify(issued), windowMs)) return issued
    const winner = await store.get(key)
    return winner ? (JSON.parse(winner) as Signed) : issued
  }

  /**
   * Requests of one session share one signing. A `fresh` one (the widget dropped or refused the token
   * it held) gets a new token, which the window then holds in place of the old. With a shared store
   * the window is the store's: this process shares only a signing under way, so a token re-signed on
   * another instance is the one it hands out next. Alone, the process keeps the window itself.
   */
  function issueOnce(at: number, sessionKey: string, who: Authenticated, fresh = false): Promise<Signed> {
    for (const [key, entry] of recent) {
      if (at - entry.issuedAt < windowMs) break
      recent.delete(key)
    }
    const shared = recent.get(sessionKey)
    if (shared && !fresh) return shared.issued
    const issued = issueShared(at, sessionKey, who, fresh)
    recent.delete(sessionKey)
    recent.set(sessionKey, { issuedAt: at, issued })
    const forget = () => void (recent.get(sessionKey)?.issued === issued && recent.delete(sessionKey))
    issued.then(() => store && forget(), forget)
    return issued
  }

  return { sign, issueOnce }
}
