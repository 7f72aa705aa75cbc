import type { Store } from 'widget-token-server'

/**
 * The operations the worker needs of `widget-token-server`'s store: `createMemoryStore()` for one
 * process, `createRedisStore(ioredis)` for several workers, which then patch each conversation once.
 */
export type KeyValueStore = Pick<Store, 'get' | 'set' | 'setIfAbsent' | 'delete'>

export { createMemoryStore, createRedisStore } from 'widget-token-server'
