const open = new Map<string, Set<FakeBroadcastChannel>>()

/**
 * A `BroadcastChannel` whose messages arrive as tasks on the (fake) timer queue, as the browser's
 * arrive as tasks on its event loop: a simulation under fake time then sees them in order with the
 * timers, not whenever the real event loop gets to them. Closing a channel drops what it has not
 * delivered yet. Only `onmessage` receives, which is all the SDK uses.
 */
class FakeBroadcastChannel {
  onmessage: ((event: MessageEvent) => void) | null = null
  #closed = false
  readonly #undelivered = new Set<ReturnType<typeof setTimeout>>()

  constructor(readonly name: string) {
    open.set(name, (open.get(name) ?? new Set()).add(this))
  }

  postMessage(message: unknown): void {
    if (this.#closed) throw new DOMException('closed', 'InvalidStateError')
    for (const other of open.get(this.name) ?? []) {
      if (other !== this) other.#receive(structuredClone(message))
    }
  }

  #receive(data: unknown): void {
    const delivery = globalThis.setTimeout(() => {
      this.#undelivered.delete(delivery)
      this.onmessage?.(new MessageEvent('message', { data }))
    }, 0)
    this.#undelivered.add(delivery)
  }

  close(): void {
    this.#closed = true
    for (const delivery of this.#undelivered) globalThis.clearTimeout(delivery)
    open.get(this.name)?.delete(this)
  }
}

/** Replaces the global `BroadcastChannel` until the returned function is called. */
export function installBroadcastChannel(): () => void {
  const original = globalThis.BroadcastChannel
  globalThis.BroadcastChannel = FakeBroadcastChannel as unknown as typeof BroadcastChannel
  return () => {
    globalThis.BroadcastChannel = original
    open.clear()
  }
}
