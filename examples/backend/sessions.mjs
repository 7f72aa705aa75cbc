import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/**
 * The portal's sessions. Each lives `ttlSeconds` from sign-in. In memory (the default) the store
 * holds at most `maxSessions`, the least recently used going first, so a flood of sign-ins cannot
 * exhaust memory; with a shared `store` (Redis) every backend instance sees every session.
 */
export function createSessionStore({ ttlSeconds, maxSessions, now, store }) {
  const backend = store ? sharedSessions(store, ttlSeconds) : memorySessions({ ttlSeconds, maxSessions, now })
  return {
    /** Starts a session under a new id; the id it replaces (a second sign-in) stops working. */
    async create(name, replacing) {
      if (replacing) await backend.delete(replacing)
      const id = randomBytes(32).toString('base64url')
      await backend.set(id, { customerId: `customer-${randomUUID()}`, name })
      return id
    },
    get: async (id) => (id ? backend.get(id) : undefined),
    delete: async (id) => id && backend.delete(id),
    clear: () => backend.clear(),
  }
}

function memorySessions({ ttlSeconds, maxSessions, now }) {
  const sessions = new LRUCache({ max: maxSessions, ttl: ttlSeconds * 1000, perf: { now } })
  return {
    get: async (id) => sessions.get(id),
    set: async (id, session) => void sessions.set(id, session),
    delete: async (id) => void sessions.delete(id),
    clear: () => sessions.clear(),
  }
}

function sharedSessions(store, ttlSeconds) {
  // The shared store never holds a live session id, only its digest.
  const key = (id) => `session:${createHash('sha256').update(id).digest('base64url')}`
  return {
    get: async (id) => {
      const stored = await store.get(key(id))
      return stored ? JSON.parse(stored) : undefined
    },
    set: (id, session) => store.set(key(id), JSON.stringify(session), ttlSeconds * 1000),
    delete: (id) => store.delete(key(id)),
    clear: () => {
      throw new Error('ending every session at once needs the in-memory session store')
    },
  }
}
