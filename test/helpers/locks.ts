/**
 * An exclusive-mode Web Locks manager (navigator.locks), for environments that lack one.
 * Follows https://developer.mozilla.org/en-US/docs/Web/API/LockManager/request: requests for a
 * name are granted in order; a waiting request aborts with its signal; the lock is released when
 * the callback's promise settles; `ifAvailable` gets `null` when the lock is taken.
 */
export function createFakeLocks() {
  const held = new Set<string>()
  const queues = new Map<string, Array<() => void>>()
  let granted = 0

  const release = (name: string) => {
    held.delete(name)
    queues.get(name)?.shift()?.()
  }

  const request = (name: string, options: LockOptions, callback: LockGrantedCallback<unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const grant = () => {
        options.signal?.removeEventListener('abort', onAbort)
        held.add(name)
        granted++
        Promise.resolve()
          .then(() => callback({ name, mode: 'exclusive' } as Lock))
          .then(resolve, reject)
          .finally(() => release(name))
      }
      const onAbort = () => {
        const queue = queues.get(name) ?? []
        queue.splice(queue.indexOf(grant), 1)
        reject(options.signal?.reason)
      }
      if (!held.has(name)) return grant()
      if (options.ifAvailable) {
        Promise.resolve().then(() => callback(null)).then(resolve, reject)
        return
      }
      options.signal?.addEventListener('abort', onAbort)
      queues.set(name, [...(queues.get(name) ?? []), grant])
    })

  return {
    locks: { request, query: async () => ({}) } as unknown as LockManager,
    /** How many times a lock was granted. */
    get granted() {
      return granted
    },
    /** Takes the lock and never gives it back, as a tab that hangs would. */
    holdForever(name: string) {
      held.add(name)
    },
  }
}
