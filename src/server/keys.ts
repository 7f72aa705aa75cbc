import { TokenRefusal } from './refusal'
import type { Store } from './store'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'

/** The algorithms the widget's provider accepts for tokens signed with a private key. */
export type SigningAlgorithm = 'RS256' | 'ES256'

/** A private key from configuration, e.g. a secret file or an environment variable. */
export interface SigningKeyInput {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), a private JWK, or an extractable CryptoKey. */
  privateKey: string | JWK | CryptoKey
  /** Needed only for a CryptoKey that is not extractable. */
  publicKey?: JWK | CryptoKey | undefined
  /** Default: the JWK's `alg`, else RS256. */
  alg?: SigningAlgorithm | undefined
  /** Default: the public key's RFC 7638 thumbprint, the same on every instance. */
  kid?: string | undefined
}

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

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const publicPart = (jwk: JWK): JWK => {
  const copy: Record<string, unknown> = { ...jwk }
  for (const member of PRIVATE_MEMBERS) delete copy[member]
  delete copy.key_ops
  delete copy.ext
  return copy as JWK
}

const isCryptoKey = (value: unknown): value is CryptoKey =>
  typeof value === 'object' && value !== null && 'algorithm' in value && 'type' in value && 'extractable' in value

async function toPublicJwk(input: SigningKeyInput, name: string): Promise<JWK> {
  if (input.publicKey) return publicPart(isCryptoKey(input.publicKey) ? await exportJWK(input.publicKey) : input.publicKey)
  if (isCryptoKey(input.privateKey)) {
    if (!input.privateKey.extractable) throw new TypeError(`widget-token/server: ${name} is a non-extractable CryptoKey: pass its publicKey beside it`)
    return publicPart(await exportJWK(input.privateKey))
  }
  if (typeof input.privateKey === 'string') {
    const extractable = await importPKCS8(input.privateKey, input.alg ?? 'RS256', { extractable: true })
    return publicPart(await exportJWK(extractable))
  }
  return publicPart(input.privateKey)
}

async function toPrivateKey(input: SigningKeyInput, alg: SigningAlgorithm, name: string): Promise<CryptoKey> {
  if (isCryptoKey(input.privateKey)) return input.privateKey
  if (typeof input.privateKey === 'string') return importPKCS8(input.privateKey, alg)
  if (typeof input.privateKey.d !== 'string') throw new TypeError(`widget-token/server: ${name} is a public JWK (no "d"): pass the private JWK; the service publishes the public half itself`)
  return (await importJWK(input.privateKey, alg)) as CryptoKey
}

const TO_PKCS8 = 'convert it once with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pkcs8.pem` and pass that'
const PEM_MISTAKES: Array<[RegExp, string]> = [
  [/-----BEGIN RSA PRIVATE KEY-----/, `is a PKCS#1 PEM (BEGIN RSA PRIVATE KEY); keys are read as PKCS#8 (BEGIN PRIVATE KEY): ${TO_PKCS8}`],
  [/-----BEGIN EC PRIVATE KEY-----/, `is a SEC1 PEM (BEGIN EC PRIVATE KEY); keys are read as PKCS#8 (BEGIN PRIVATE KEY): ${TO_PKCS8}`],
  [/-----BEGIN ENCRYPTED PRIVATE KEY-----/, 'is encrypted: decrypt it with `openssl pkcs8 -in key.pem -out key.pkcs8.pem` and keep that in your secret store'],
  [/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/, 'is a public key: pass the private key (BEGIN PRIVATE KEY); the service publishes the public half itself'],
]

/** Configuration mistakes jose would only call "not PKCS#8", told with their fix. */
function checkPem(pem: string, name: string) {
  for (const [pattern, advice] of PEM_MISTAKES) if (pattern.test(pem)) throw new TypeError(`widget-token/server: ${name} ${advice}`)
  if (!pem.includes('-----BEGIN') && !/\s/.test(pem.trim()) && /[/\\]|\.(pem|key)$/.test(pem)) {
    throw new TypeError(`widget-token/server: ${name} looks like a file path, not a key: pass the file's contents, readFileSync('${pem}', 'utf8')`)
  }
}

/** Turns a configured key into one the ring can sign with; bad input throws a `TypeError` naming it. */
export async function loadKey(input: SigningKeyInput, { name = 'the signing key', activatesAt = 0 } = {}): Promise<RingKey> {
  const declared = input.alg ?? (typeof input.privateKey === 'object' && !isCryptoKey(input.privateKey) ? input.privateKey.alg : undefined)
  const alg = (declared ?? 'RS256') as SigningAlgorithm
  if (alg !== 'RS256' && alg !== 'ES256') throw new TypeError(`widget-token/server: ${name} has the algorithm ${String(alg)}: use RS256 or ES256`)
  if (typeof input.privateKey === 'string') checkPem(input.privateKey, name)
  let privateKey: CryptoKey
  let publicJwk: JWK
  try {
    privateKey = await toPrivateKey(input, alg, name)
    publicJwk = await toPublicJwk({ ...input, alg }, name)
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('widget-token/server:')) throw error
    throw new TypeError(`widget-token/server: ${name}: the ${alg} signing key could not be read (${(error as Error).message})`, { cause: error })
  }
  const kid = input.kid ?? (await calculateJwkThumbprint(publicJwk))
  return { kid, alg, privateKey, jwk: { ...publicJwk, kid, alg, use: 'sig' }, activatesAt, lastExpiresAt: 0 }
}

/** Every configured key has a private part to read; checked when the service is created. */
export function checkKeyInputs(keys: unknown): asserts keys is readonly SigningKeyInput[] | undefined {
  if (keys === undefined) return
  if (!Array.isArray(keys)) throw new TypeError('widget-token/server: keys must be an array, the signing key first: keys: [{ privateKey }]')
  keys.forEach((input: unknown, index) => {
    const privateKey = (input as Partial<SigningKeyInput> | null)?.privateKey
    if (typeof privateKey !== 'string' && (typeof privateKey !== 'object' || privateKey === null)) {
      throw new TypeError(`widget-token/server: keys[${index}].privateKey is required: a PKCS#8 PEM, a private JWK or a CryptoKey`)
    }
  })
}

/** A fresh key pair held only in this process's memory. */
export async function generateKey(alg: SigningAlgorithm, activatesAt = 0): Promise<RingKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  return loadKey({ privateKey, publicKey, alg }, { activatesAt })
}

const loadKeys = (inputs: readonly SigningKeyInput[]) => Promise.all(inputs.map((input, index) => loadKey(input, { name: `keys[${index}]` })))

export interface KeyRingOptions {
  keys: RingKey[]
  now: () => number
  /** How long a verifier may keep a JWKS: a new key signs only once every cached set has it. */
  activationDelayMs: number
  createNext: (activatesAt: number) => Promise<RingKey>
}

/**
 * The published keys and the one that signs. A rotation publishes the next key at once and signs
 * with it only after `activationDelayMs`, so verifiers holding a cached JWKS already know it; a
 * retired key stays published until the last token it signed has expired.
 */
export function createKeyRing({ keys: initial, now, activationDelayMs, createNext }: KeyRingOptions): KeyRing {
  // Newest activation first, so the signing key is the first one already active.
  let keys = [...initial].sort((a, b) => b.activatesAt - a.activatesAt)
  let pendingRotation: Promise<RingKey> | undefined

  const activeKey = (): RingKey => {
    const at = now()
    const key = keys.find((candidate) => candidate.activatesAt <= at)
    if (!key) throw new Error('widget-token/server: no signing key is active')
    return key
  }

  return {
    async signingKey() {
      return activeKey()
    },
    /** Records a token against the key that actually signed it. */
    signed(key: RingKey, expiresAt: number) {
      key.lastExpiresAt = Math.max(key.lastExpiresAt, expiresAt)
    },
    /** The public keys a verifier needs now and within the next cache lifetime. */
    async published(): Promise<JWK[]> {
      const at = now()
      const signing = activeKey()
      keys = keys.filter((key) => key === signing || key.activatesAt > at || key.lastExpiresAt > at)
      return keys.map((key) => key.jwk)
    },
    /** Publishes the next key; it signs from `activatesAt`. A rotation already scheduled is returned as is. */
    async rotate(): Promise<{ kid: string; activatesAt: number }> {
      const pending = keys.find((key) => key.activatesAt > now())
      if (pending) return { kid: pending.kid, activatesAt: pending.activatesAt }
      pendingRotation ??= createNext(now() + activationDelayMs).then((key) => {
        keys = [key, ...keys]
        return key
      }).finally(() => {
        pendingRotation = undefined
      })
      const key = await pendingRotation
      return { kid: key.kid, activatesAt: key.activatesAt }
    },
  }
}

export interface KeyRing {
  /** The key that signs now. */
  signingKey(): Promise<RingKey>
  /** Records a token against the key that actually signed it. */
  signed(key: RingKey, expiresAt: number): void
  published(): Promise<JWK[]>
  rotate(): Promise<{ kid: string; activatesAt: number }>
}

export interface SharedKeyRingOptions {
  /** Every configured key; all are published, the schedule picks the one that signs. */
  keys: RingKey[]
  store: Store
  now: () => number
  activationDelayMs: number
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
export function createSharedKeyRing({ keys, store, now, activationDelayMs }: SharedKeyRingOptions): KeyRing {
  const byKid = new Map(keys.map((key) => [key.kid, key]))
  // What this instance last read: a schedule that vanished (a flushed store) is written back from it,
  // so signing never moves back to a key the schedule had already left.
  let lastKnown: ScheduleEntry[] | undefined

  function known(stored: string): ScheduleEntry[] {
    const entries = parseSchedule(stored)
    const mine = entries.filter((entry) => byKid.has(entry.kid))
    if (mine.length === 0) {
      throw new TokenRefusal('keys_unavailable', 503, 'the token service has none of the keys its shared schedule names', {
        retryAfterSeconds: 30,
        context: { scheduled: entries.map((entry) => entry.kid), configured: [...byKid.keys()], fix: 'configure the same keys on every instance that shares the store' },
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

  return {
    async signingKey() {
      return byKid.get(active(await schedule()).kid)!
    },
    signed(key, expiresAt) {
      key.lastExpiresAt = Math.max(key.lastExpiresAt, expiresAt)
    },
    async published() {
      return keys.map((key) => key.jwk)
    },
    async rotate() {
      const entries = await schedule()
      const pending = entries.find((entry) => entry.activatesAt > now())
      if (pending) return { ...pending }
      const current = active(entries)
      const index = keys.findIndex((key) => key.kid === current.kid)
      const next = keys[(index + 1) % keys.length]!
      if (next.kid === current.kid) throw new TypeError('widget-token/server: configure the next key in keys before rotating with a shared store')
      const entry = { kid: next.kid, activatesAt: now() + activationDelayMs }
      await store.set(SCHEDULE_KEY, JSON.stringify([entry, current]), SCHEDULE_TTL_MS)
      return entry
    },
  }
}

export interface ServiceKeysOptions {
  /** Keys from configuration; the first signs. */
  configured: readonly SigningKeyInput[]
  /** For a key generated when none is configured. */
  algorithm: SigningAlgorithm
  store: Store | undefined
  now: () => number
  ttlMs: number
  activationDelayMs: number
  warn: (message: string) => void
}

/**
 * The key ring a service runs on: a shared one when several instances share a store, else one in
 * this process. A store without configured keys throws at once, since generated keys would differ.
 */
export function openKeyRing(options: ServiceKeysOptions): Promise<KeyRing> {
  checkKeyInputs(options.configured)
  if (options.store && options.configured.length === 0) {
    throw new TypeError('widget-token/server: a shared store needs keys from configuration: keys generated per instance would differ')
  }
  const ring = loadKeyRing(options)
  // A misconfigured key surfaces through ready(), issue() and the 500 it causes, never as an unhandled rejection.
  ring.catch(() => {})
  return ring
}

async function loadKeyRing({ configured, algorithm, store, now, ttlMs, activationDelayMs, warn }: ServiceKeysOptions): Promise<KeyRing> {
  if (store) return createSharedKeyRing({ keys: await loadKeys(configured), store, now, activationDelayMs })
  let keys: RingKey[]
  if (configured.length === 0) {
    warn(
      'widget-token/server: NO SIGNING KEYS CONFIGURED. A key was generated in memory: every restart invalidates all tokens and every instance signs with a different key. Pass keys: [{ privateKey }] in production.',
    )
    keys = [await generateKey(algorithm)]
  } else {
    keys = await loadKeys(configured)
    // Older configured keys may have signed tokens before a restart: publish them for one lifetime.
    for (const key of keys.slice(1)) key.lastExpiresAt = now() + ttlMs
    for (const key of keys.slice(1)) key.activatesAt = -1
  }
  return createKeyRing({ keys, now, activationDelayMs, createNext: (activatesAt) => generateKey(keys[0]!.alg, activatesAt) })
}
