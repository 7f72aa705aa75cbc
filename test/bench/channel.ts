const open = new Map<string, Set<FakeBroadcastChannel>>()

/**
 * A `BroadcastChannel` whose messages arrive as tasks on the (fake) timer queue, as the browser's
 * arrive as tasks on its event loop: a simulation under fake time then sees them in order with the
 * timers, not whenever the real event loop gets to them.
 */
class FakeBroadcastChannel extends EventTarget {
  onmessage: ((event: MessageEvent) => void) | null = null
  #closed = false

  constructor(readonly name: string) {
    super()
    open.set(name, (open.get(name) ?? new Set()).add(this))
  }

  postMessage(message: unknown): void {
    if (this.#closed) throw new DOMException('closed', 'InvalidStateError')
    for (const other of open.get(this.name) ?? []) {
      if (other === this) continue
      const data = structuredClone(message)
      globalThis.setTimeout(() => other.#deliver(data), 0)
    }
  }

  #deliver(data: unknown): void {
    if (this.#closed) return
    const event = new MessageEvent('message', { data })
    this.onmessage?.(event)
    this.dispatchEvent(event)
  }

  close(): void {
    this.#closed = true
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
