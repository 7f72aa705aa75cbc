import type { RelayOptions } from './relay.mjs'

export function relayOptionsFromEnvironment(env?: Record<string, string | undefined>): { port: number; host: string; relay: RelayOptions }
