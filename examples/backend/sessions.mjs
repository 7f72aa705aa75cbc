import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/**
 * A session's handle: the digest of its id. It names the session to other services (the correlation
 * store of the data-injection worker, say) and cannot be turned back into the cookie.
 */
export const sessionHandle = (id) => createHash('sha256').update(id).digest('base64url')

/**
 * The portal's sessions. Each lives `ttlSeconds` from sign-in. In memory (the default) the store
 * holds at most `maxSessions`, the least recently used going first, so a flood of sign-ins cannot
 * exhaust memory; with a shared `store` (Redis) every backend instance sees every session. Either
 * way sessions are kept under their handle, never under a live id.
 */
export function createSessionStore({ ttlSeconds, maxSessions, now, store }) {
  const backend = store ? sharedSessions(store, ttlSeconds) : memorySessions({ ttlSeconds, maxSessions, now })
  return {
    /** Starts a session under a new id; the id it replaces (a second sign-in) stops working. */
    async create(name, replacing, customerId = `customer-${randomUUID()}`) {
      if (replacing) await backend.delete(sessionHandle(replacing))
      const id = randomBytes(32).toString('base64url')
      await backend.set(sessionHandle(id), { customerId, name })
      return id
    },
    get: async (id) => (id ? backend.get(sessionHandle(id)) : undefined),
    /** The session a handle names, while it lives. */
    byHandle: async (handle) => (typeof handle === 'string' && handle !== '' ? backend.get(handle) : undefined),
    delete: async (id) => id && backend.delete(sessionHandle(id)),
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
  const key = (handle) => `session:${handle}`
  return {
    get: async (handle) => {
      const stored = await store.get(key(handle))
      return stored ? JSON.parse(stored) : undefined
    },
    set: (handle, session) => store.set(key(handle), JSON.stringify(session), ttlSeconds * 1000),
    delete: (handle) => store.delete(key(handle)),
    clear: () => {
      throw new Error('ending every session at once needs the in-memory session store')
    },
  }
}
