import { randomBytes } from 'node:crypto'
import type { KeyValueStore } from './store'

/** The claim the portal's token carries, and the participant attribute the widget turns it into. */
export const REFERENCE_CLAIM = 'cxRef'

/** Who is signed in to the portal; the portal's own session store implements it. */
export interface PortalSessions {
  /** The customer behind a live session, or `undefined` once the session has ended. */
  customerIdFor(sessionId: string): Promise<string | undefined>
}

export interface CorrelationOptions {
  store: KeyValueStore
  sessions: PortalSessions
  /** How long a reference resolves after its session last asked for a token. Default 12 h. */
  referenceTtlMs?: number
}

export interface Correlation {
  /**
   * Extra claims for the session's widget token: one short random reference, the same for every
   * token of the session, so a conversation started at any point of it can be matched.
   *
   * @example
   * const claims = await correlation.correlationClaims(sessionId) // { cxRef: 'Zt3k…' }
   */
  correlationClaims(sessionId: string): Promise<{ [REFERENCE_CLAIM]: string }>
  /** The session and customer a reference stands for, while that session lives. */
  resolve(reference: string): Promise<{ sessionId: string; customerId: string } | undefined>
}

const REFERENCE_SHAPE = /^[A-Za-z0-9_-]{22}$/

export function createCorrelation({ store, sessions, referenceTtlMs = 12 * 60 * 60 * 1000 }: CorrelationOptions): Correlation {
  const sessionKey = (sessionId: string) => `correlation:session:${sessionId}`
  const referenceKey = (reference: string) => `correlation:reference:${reference}`

  async function referenceFor(sessionId: string): Promise<string> {
    const fresh = randomBytes(16).toString('base64url')
    // Two instances answering the same session at once must agree on one reference.
    if (await store.setIfAbsent(sessionKey(sessionId), fresh, referenceTtlMs)) return fresh
    return (await store.get(sessionKey(sessionId))) ?? fresh
  }

  return {
    async correlationClaims(sessionId) {
      if (typeof sessionId !== 'string' || sessionId === '') throw new TypeError('correlationClaims: sessionId must be a non-empty string')
      const reference = await referenceFor(sessionId)
      await store.set(sessionKey(sessionId), reference, referenceTtlMs)
      await store.set(referenceKey(reference), sessionId, referenceTtlMs)
      return { [REFERENCE_CLAIM]: reference }
    },
    async resolve(reference) {
      if (!REFERENCE_SHAPE.test(reference)) return undefined
      const sessionId = await store.get(referenceKey(reference))
      if (sessionId === undefined) return undefined
      const customerId = await sessions.customerIdFor(sessionId)
      return customerId === undefined ? undefined : { sessionId, customerId }
    },
  }
}

export function createMemorySessions(): PortalSessions & { start(sessionId: string, customerId: string): void; end(sessionId: string): void } {
  const customers = new Map<string, string>()
  return {
    async customerIdFor(sessionId) {
      return customers.get(sessionId)
    },
    start(sessionId, customerId) {
      customers.set(sessionId, customerId)
    },
    end(sessionId) {
      customers.delete(sessionId)
    },
  }
}
