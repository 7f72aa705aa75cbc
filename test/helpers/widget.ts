import { vi } from 'vitest'
import type { GenApi, GenConfig } from '../../src'

/** A stand-in for the Embedded CX `gen` widget that records what it is given. */
export function createFakeGen() {
  const handlers = new Set<() => void>()
  const configs: GenConfig[] = []
  const gen = {
    init: vi.fn((config: GenConfig) => {
      configs.push(config)
    }),
    updateConfiguration: vi.fn((config: GenConfig) => {
      configs.push(config)
    }) as ((config: GenConfig) => unknown) | undefined,
    on: vi.fn((_event: 'disconnected', handler: () => void) => {
      handlers.add(handler)
    }),
    off: vi.fn((_event: 'disconnected', handler: () => void) => {
      handlers.delete(handler)
    }),
  } satisfies GenApi
  return {
    gen,
    /** The token in the configuration the widget last received. */
    get token(): string | undefined {
      const last = configs.at(-1)?.settings?.authentication as { token?: string } | undefined
      return last?.token
    },
    get listeners() {
      return handlers.size
    },
    disconnect(times = 1) {
      for (let i = 0; i < times; i++) for (const handler of [...handlers]) handler()
    },
  }
}

export type FakeGen = ReturnType<typeof createFakeGen>
