import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'

/**
 * The signing keys. A new key signs from the moment it is added; an old key stays published until
 * every token it signed has expired, so widgets holding those tokens keep verifying them.
 */
export async function createKeyRing({ now }) {
  const keys = []

  async function add() {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const kid = randomUUID()
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
    keys.unshift({ kid, privateKey, jwk, lastExpiresAt: 0 })
    return kid
  }

  await add()
  return {
    /** The key that signs now. */
    get current() {
      return keys[0]
    },
    /** Starts signing with a new key; returns its `kid`. */
    rotate: add,
    /** Records that the current key signed a token valid until `expiresAt` (epoch ms). */
    signed(expiresAt) {
      keys[0].lastExpiresAt = Math.max(keys[0].lastExpiresAt, expiresAt)
    },
    /** The JWKS: the current key and every older key whose tokens may still be alive. */
    jwks() {
      const alive = keys.filter((key, index) => index === 0 || key.lastExpiresAt > now())
      keys.splice(0, keys.length, ...alive)
      return { keys: alive.map((key) => key.jwk) }
    },
  }
}
