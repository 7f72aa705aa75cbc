import type { Backend, BackendOptions } from './server.mjs'

export interface Environment {
  PORT: number
  TOKEN_TTL_SECONDS: number
  LEEWAY_SECONDS: number
  ORGANIZATION_ID?: string | undefined
  SESSION_SECRET?: string | undefined
  SESSION_TTL_SECONDS: number
  TOKEN_SIGNING_KEY_FILE?: string | undefined
  CLOCK_REFERENCE_URL?: string | undefined
  REDIS_URL?: string | undefined
}

/** Throws a TypeError naming every invalid variable. */
export function readEnvironment(env?: Record<string, string | undefined>): Environment
export function startFromEnvironment(overrides?: BackendOptions, env?: Record<string, string | undefined>): Promise<Backend>
