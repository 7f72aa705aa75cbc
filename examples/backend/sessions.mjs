import { randomBytes, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/**
 * The portal's sessions, in memory: each lives `ttlSeconds` from sign-in, and the store holds at most
 * `maxSessions` (the least recently used go first), so a flood of sign-ins cannot exhaust memory.
 */
export function createSessionStore({ ttlSeconds, maxSessions, now }) {
  const sessions = new LRUCache({ max: maxSessions, ttl: ttlSeconds * 1000, perf: { now } })
  return {
    /** Starts a session under a new id; the id it replaces (a second sign-in) stops working. */
    create(name, replacing) {
      if (replacing) sessions.delete(replacing)
      const id = randomBytes(32).toString('base64url')
      sessions.set(id, { customerId: `customer-${randomUUID()}`, name })
      return id
    },
    get: (id) => (id ? sessions.get(id) : undefined),
    delete: (id) => id && sessions.delete(id),
    clear: () => sessions.clear(),
  }
}
