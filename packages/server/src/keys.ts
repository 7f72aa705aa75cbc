import type { Report } from './report'
import { createKeyRing, createSharedKeyRing, type KeyRing, type RingKey, type SigningAlgorithm } from './ring'
import type { Store } from './store'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'

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
    if (!input.privateKey.extractable) throw new TypeError(`widget-token-server: ${name} is a non-extractable CryptoKey: pass its publicKey beside it`)
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
  if (typeof input.privateKey.d !== 'string') throw new TypeError(`widget-token-server: ${name} is a public JWK (no "d"): pass the private JWK; the service publishes the public half itself`)
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
  for (const [pattern, advice] of PEM_MISTAKES) if (pattern.test(pem)) throw new TypeError(`widget-token-server: ${name} ${advice}`)
  // Only what cannot be key material is echoed: a short string shaped like a path (base64 DER starts "MI").
  if (pem.length <= 256 && !/\s/.test(pem) && /^(\/|\.{1,2}\/|~\/|[A-Za-z]:\\)|\.(pem|key)$/.test(pem)) {
    throw new TypeError(`widget-token-server: ${name} looks like a file path, not a key: pass the file's contents, readFileSync('${pem}', 'utf8')`)
  }
}

/** Turns a configured key into one the ring can sign with; bad input throws a `TypeError` naming it. */
export async function loadKey(input: SigningKeyInput, { name = 'the signing key', activatesAt = 0 } = {}): Promise<RingKey> {
  const declared = input.alg ?? (typeof input.privateKey === 'object' && !isCryptoKey(input.privateKey) ? input.privateKey.alg : undefined)
  const alg = (declared ?? 'RS256') as SigningAlgorithm
  if (alg !== 'RS256' && alg !== 'ES256') throw new TypeError(`widget-token-server: ${name} has the algorithm ${String(alg)}: use RS256 or ES256`)
  if (typeof input.privateKey === 'string') checkPem(input.privateKey, name)
  let privateKey: CryptoKey
  let publicJwk: JWK
  try {
    privateKey = await toPrivateKey(input, alg, name)
    publicJwk = await toPublicJwk({ ...input, alg }, name)
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('widget-token-server:')) throw error
    const expected = 'expected a PKCS#8 PEM (BEGIN PRIVATE KEY), a private JWK or a CryptoKey'
    throw new TypeError(`widget-token-server: ${name}: the ${alg} signing key could not be read (${(error as Error).message}): ${expected}`, { cause: error })
  }
  const kid = input.kid ?? (await calculateJwkThumbprint(publicJwk))
  return { kid, alg, privateKey, jwk: { ...publicJwk, kid, alg, use: 'sig' }, activatesAt, lastExpiresAt: 0 }
}

/** Every configured key has a private part to read; checked when the service is created. */
export function checkKeyInputs(keys: unknown): asserts keys is readonly SigningKeyInput[] | undefined {
  if (keys === undefined) return
  if (!Array.isArray(keys)) throw new TypeError('widget-token-server: keys must be an array, the signing key first: keys: [{ privateKey }]')
  keys.forEach((input: unknown, index) => {
    const privateKey = (input as Partial<SigningKeyInput> | null)?.privateKey
    if (typeof privateKey !== 'string' && (typeof privateKey !== 'object' || privateKey === null)) {
      throw new TypeError(`widget-token-server: keys[${index}].privateKey is required: a PKCS#8 PEM, a private JWK or a CryptoKey`)
    }
  })
}

/** A fresh key pair held only in this process's memory. */
export async function generateKey(alg: SigningAlgorithm, activatesAt = 0): Promise<RingKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  return loadKey({ privateKey, publicKey, alg }, { activatesAt })
}

const loadKeys = (inputs: readonly SigningKeyInput[]) => Promise.all(inputs.map((input, index) => loadKey(input, { name: `keys[${index}]` })))

export type KeysOption = readonly SigningKeyInput[] | (() => readonly SigningKeyInput[] | Promise<readonly SigningKeyInput[]>)

export interface ServiceKeysOptions {
  /** Keys from configuration, or a function that reads them (a secret manager); the first signs. */
  configured: KeysOption | undefined
  /** How often a `keys` function is called again. */
  refreshMs: number
  /** For a key generated when none is configured. */
  algorithm: SigningAlgorithm
  store: Store | undefined
  now: () => number
  ttlMs: number
  activationDelayMs: number
  warn: (message: string) => void
  report: Report
}

const NO_ROTATION_WITHOUT_STORE =
  'rotate() needs a shared store (createRedisStore): without one the rotated key would live in this process only and be gone at the next restart. Without a store, rotate by putting the new key first in keys (a keys function is read again every keysRefreshSeconds).'

/**
 * The key ring a service runs on: a shared one when several instances share a store, else one in
 * this process; a `keys` function is read again every `refreshMs`. A store without configured keys
 * throws at once, since generated keys would differ.
 */
export function openKeyRing(options: ServiceKeysOptions): { ring: Promise<KeyRing>; refreshed(): Promise<void>; close(): void } {
  const { configured, store } = options
  if (typeof configured !== 'function') checkKeyInputs(configured)
  if (store && (configured === undefined || (typeof configured !== 'function' && configured.length === 0))) {
    throw new TypeError('widget-token-server: a shared store needs keys from configuration: keys generated per instance would differ')
  }
  const ring = loadKeyRing(options)
  // A misconfigured key surfaces through ready(), issue() and the 500 it causes, never as an unhandled rejection.
  ring.catch(() => {})
  if (typeof configured !== 'function') return { ring, refreshed: async () => {}, close() {} }
  let refreshing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    refreshing = refresh(ring, configured, options)
  }, options.refreshMs)
  ;(timer as { unref?: () => void }).unref?.()
  return { ring, refreshed: () => refreshing, close: () => clearInterval(timer) }
}

async function refresh(ring: Promise<KeyRing>, source: () => readonly SigningKeyInput[] | Promise<readonly SigningKeyInput[]>, options: ServiceKeysOptions) {
  try {
    const keys = await ring
    // Every instance reads its keys within refreshMs, then verifiers' caches live activationDelayMs.
    await keys.adopt(await readKeys(source), options.activationDelayMs + options.refreshMs)
  } catch (error) {
    options.report({ type: 'keys_refresh_failed', message: (error as Error).message })
  }
}

async function readKeys(source: () => readonly SigningKeyInput[] | Promise<readonly SigningKeyInput[]>): Promise<RingKey[]> {
  let inputs: unknown
  try {
    inputs = await source()
  } catch (error) {
    throw new Error(`widget-token-server: keys() failed: ${(error as Error)?.message ?? String(error)}`, { cause: error })
  }
  checkKeyInputs(inputs)
  if (!inputs?.length) throw new TypeError('widget-token-server: keys() returned no keys: return the signing key first, [{ privateKey }]')
  return loadKeys(inputs)
}

async function loadKeyRing({ configured, algorithm, store, now, ttlMs, activationDelayMs, warn }: ServiceKeysOptions): Promise<KeyRing> {
  const fromConfiguration = typeof configured === 'function' ? await readKeys(configured) : configured?.length ? await loadKeys(configured) : undefined
  if (store) return createSharedKeyRing({ keys: fromConfiguration!, store, now, activationDelayMs, ttlMs })
  if (!fromConfiguration) {
    warn(
      'widget-token-server: NO SIGNING KEYS CONFIGURED. A key was generated in memory: every restart invalidates all tokens and every instance signs with a different key. Pass keys: [{ privateKey }] in production.',
    )
    const key = await generateKey(algorithm)
    return createKeyRing({ keys: [key], now, activationDelayMs, ttlMs, createNext: (activatesAt) => generateKey(key.alg, activatesAt) })
  }
  // Older configured keys may have signed tokens before a restart: publish them for one lifetime.
  for (const key of fromConfiguration.slice(1)) Object.assign(key, { activatesAt: -1, lastExpiresAt: now() + ttlMs })
  return createKeyRing({ keys: fromConfiguration, now, activationDelayMs, ttlMs, whyNoRotation: NO_ROTATION_WITHOUT_STORE })
}
