import { vi } from 'vitest'

/**
 * A Twilio Conversations Client, after
 * https://www.twilio.com/docs/conversations/create-tokens#update-an-access-token : created with a
 * token, `updateToken(token)` replaces it, and the client emits `tokenAboutToExpire` (3 minutes
 * before) and `tokenExpired`.
 */
export function createFakeTwilioClient(firstToken: string) {
  const listeners = new Map<string, Set<() => void>>()
  const tokens = [firstToken]
  return {
    tokens,
    updateToken: vi.fn(async (token: string) => {
      tokens.push(token)
    }),
    on: vi.fn((event: 'tokenAboutToExpire' | 'tokenExpired', listener: () => void) => {
      listeners.set(event, new Set([...(listeners.get(event) ?? []), listener]))
    }),
    removeListener: vi.fn((event: 'tokenAboutToExpire' | 'tokenExpired', listener: () => void) => {
      listeners.get(event)?.delete(listener)
    }),
    shutdown: vi.fn(),
    emit: (event: 'tokenAboutToExpire' | 'tokenExpired') => listeners.get(event)?.forEach((listener) => listener()),
    listenerCount: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0),
  }
}
