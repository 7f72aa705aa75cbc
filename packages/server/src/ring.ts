import type { CryptoKey, JWK } from 'jose'
import { TokenRefusal } from './refusal'
import type { Store } from './store'

/** The algorithms the widget's provider accepts for tokens signed with a private key. */
export type SigningAlgorithm = 'RS256' | 'ES256'

/** A key of the ring: the private half that signs, the public half the JWKS publishes. */
export interface RingKey {
  kid: string
  alg: SigningAlgorithm
  privateKey: CryptoKey
  /** The public half as published in the JWKS. */
  jwk: JWK
  /** Epoch ms from which this key signs. */
  activatesAt: number
  /** Epoch ms at which the last token this key signed expires. */
  lastExpiresAt: number
}

export interface KeyRing {
  /** The key that signs now. */
  signingKey(): Promise<RingKey>
  /** Records a token against the key that actually signed it. */
  signed(key: RingKey, expiresAt: number): void
  published(): Promise<JWK[]>
  rotate(): Promise<{ kid: string; activatesAt: number }>
  /**
   * Takes the keys as read again (a secret manager): new ones are published at once, a new first
   * key signs `delayMs` later, and keys that left stay published while tokens they signed live.
   */
  adopt(loaded: RingKey[], delayMs: number): Promise<void>
}

export interface KeyRingOptions {
  keys: RingKey[]
  now: () => number
  /** How long a verifier may keep a JWKS: a new key signs only once every cached set has it. */
  activationDelayMs: number
  ttlMs: number
  /** Mints the next key for rotate(); without it, rotate() is refused (`whyNoRotation`). */
  createNext?: ((activatesAt: number) => Promise<RingKey>) | undefined
  whyNoRotation?: string | undefined
}

/**
 * The published keys and the one that signs. A rotation publishes the next key at once and signs
 * with it only after `activationDelayMs`, so verifiers holding a cached JWKS already know it; a
 * retired key stays published until the last token it signed has expired.
 */
export function createKeyRing({ keys: initial, now, activationDelayMs, ttlMs, createNext, whyNoRotation }: KeyRingOptions): KeyRing {
  // Newest activation first, so the signing key is the first one already active.
  const byActivation = (list: RingKey[]) => [...list].sort((a, b) => b.activatesAt - a.activatesAt)
  let keys = byActivation(initial)
  let pendingRotation: Promise<RingKey> | undefined

  const activeKey = (): RingKey => {
    const at = now()
    const key = keys.find((candidate) => candidate.activatesAt <= at)
    if (!key) throw new Error('widget-token-server: no signing key is active')
    return key
  }

  return {
    async signingKey() {
      return activeKey()
    },
    signed(key, expiresAt) {
      key.lastExpiresAt = Math.max(key.lastExpiresAt, expiresAt)
    },
    /** The public keys a verifier needs now and within the next cache lifetime. */
    async published() {
      const at = now()
      const signing = activeKey()
      keys = keys.filter((key) => key === signing || key.activatesAt > at || key.lastExpiresAt > at)
      return keys.map((key) => key.jwk)
    },
    /** Publishes the next key; it signs from `activatesAt`. A rotation already scheduled is returned as is. */
    async rotate() {
      if (!createNext) throw new TypeError(`widget-token-server: ${whyNoRotation}`)
      const pending = keys.find((key) => key.activatesAt > now())
      if (pending) return { kid: pending.kid, activatesAt: pending.activatesAt }
      pendingRotation ??= createNext(now() + activationDelayMs)
        .then((key) => {
          keys = [key, ...keys]
          return key
        })
        .finally(() => {
          pendingRotation = undefined
        })
      const key = await pendingRotation
      return { kid: key.kid, activatesAt: key.activatesAt }
    },
    async adopt(loaded, delayMs) {
      const at = now()
      const signing = activeKey()
      for (const key of loaded) {
        if (keys.some((known) => known.kid === key.kid)) continue
        // It may have signed on another instance already: published for one lifetime, like a configured one at start.
        Object.assign(key, { activatesAt: -1, lastExpiresAt: at + ttlMs })
        keys.push(key)
      }
      const next = keys.find((key) => key.kid === loaded[0]!.kid)!
      if (next !== signing && !(next.activatesAt > at)) next.activatesAt = at + delayMs
      keys = byActivation(keys)
    },
  }
}

export interface SharedKeyRingOptions {
  /** Every configured key; all are published, the schedule picks the one that signs. */
  keys: RingKey[]
  store: Store
  now: () => number
  activationDelayMs: number
  ttlMs: number
}

interface ScheduleEntry {
  kid: string
  activatesAt: number
}

const SCHEDULE_KEY = 'keyring:schedule'
// The schedule outlives any rotation it describes; a year is "until replaced".
const SCHEDULE_TTL_MS = 365 * 24 * 3600 * 1000

const parseSchedule = (stored: string): ScheduleEntry[] => {
  try {
    const entries: unknown = JSON.parse(stored)
    return Array.isArray(entries) ? entries.filter((entry): entry is ScheduleEntry => typeof entry?.kid === 'string' && typeof entry.activatesAt === 'number') : []
  } catch {
    return []
  }
}

/**
 * A key ring for several instances: the private keys come from configuration (the same on each),
 * and which one signs from when lives in the shared store, so every instance switches at the same
 * moment. Every configured key is published, so a key is known to verifiers before it signs.
 */
export function createSharedKeyRing({ keys: initial, store, now, activationDelayMs, ttlMs }: SharedKeyRingOptions): KeyRing {
  let keys = initial
  const byKid = new Map(keys.map((key) => [key.kid, key]))
  // Keys that left the configuration: still able to sign what the schedule names, and published a while.
  const retiredUntil = new Map<string, number>()
  // What this instance last read: a schedule that vanished (a flushed store) is written back from it,
  // so signing never moves back to a key the schedule had already left.
  let lastKnown: ScheduleEntry[] | undefined

  function known(stored: string): ScheduleEntry[] {
    const entries = parseSchedule(stored)
    const mine = entries.filter((entry) => byKid.has(entry.kid))
    if (mine.length === 0) {
      throw new TokenRefusal('keys_unavailable', 503, 'the token service has none of the keys its shared schedule names', {
        retryAfterSeconds: 30,
        context: { scheduled: entries.map((entry) => entry.kid), configured: keys.map((key) => key.kid), fix: 'configure the same keys on every instance that shares the store' },
      })
    }
    lastKnown = mine
    return mine
  }

  // At most two reads and one write: another instance's schedule is taken as it is, never waited for.
  async function schedule(): Promise<ScheduleEntry[]> {
    const stored = await store.get(SCHEDULE_KEY)
    if (stored !== undefined) return known(stored)
    const seed = lastKnown ?? [{ kid: keys[0]!.kid, activatesAt: 0 }]
    if (await store.setIfAbsent(SCHEDULE_KEY, JSON.stringify(seed), SCHEDULE_TTL_MS)) return (lastKnown = seed)
    return known((await store.get(SCHEDULE_KEY)) ?? '[]')
  }

  const active = (entries: ScheduleEntry[]) => entries.find((entry) => entry.activatesAt <= now()) ?? entries[entries.length - 1]!

  async function scheduleNext(kid: string, activatesAt: number, current: ScheduleEntry) {
    const entry = { kid, activatesAt }
    await store.set(SCHEDULE_KEY, JSON.stringify([entry, current]), SCHEDULE_TTL_MS)
    lastKnown = [entry, current]
    return entry
  }

  return {
    async signingKey() {
      return byKid.get(active(await schedule()).kid)!
    },
    signed(key, expiresAt) {
      key.lastExpiresAt = Math.max(key.lastExpiresAt, expiresAt)
    },
    async published() {
      const at = now()
      const retired = [...retiredUntil].filter(([kid, until]) => until > at || byKid.get(kid)!.lastExpiresAt > at)
      return [...keys, ...retired.map(([kid]) => byKid.get(kid)!)].map((key) => key.jwk)
    },
    async rotate() {
      const entries = await schedule()
      const pending = entries.find((entry) => entry.activatesAt > now())
      if (pending) return { ...pending }
      const current = active(entries)
      const index = keys.findIndex((key) => key.kid === current.kid)
      const next = keys[(index + 1) % keys.length]!
      if (next.kid === current.kid) throw new TypeError('widget-token-server: configure the next key in keys before rotating with a shared store')
      return scheduleNext(next.kid, now() + activationDelayMs, current)
    },
    async adopt(loaded, delayMs) {
      const at = now()
      for (const key of keys) if (!loaded.some((kept) => kept.kid === key.kid)) retiredUntil.set(key.kid, at + delayMs + ttlMs)
      for (const key of loaded) {
        retiredUntil.delete(key.kid)
        if (!byKid.has(key.kid)) byKid.set(key.kid, key)
      }
      keys = loaded.map((key) => byKid.get(key.kid)!)
      const entries = await schedule()
      if (!entries.some((entry) => entry.kid === keys[0]!.kid)) await scheduleNext(keys[0]!.kid, at + delayMs, active(entries))
    },
  }
}
