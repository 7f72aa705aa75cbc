import { generateKeyPair, SignJWT } from 'jose'
import { createCorrelation, createMemorySessions, REFERENCE_CLAIM } from '../../examples/data-injection/correlation'
import { createMemoryCrm, type CustomerProfile } from '../../examples/data-injection/crm'
import { createPlatformSimulation, type PlatformSimulation, type SimulationOptions } from '../../examples/data-injection/simulation'
import { createMemoryStore, type KeyValueStore } from '../../examples/data-injection/store'
import { createInjectionWorker, type InjectionOutcome, type InjectionWorker, type InjectionWorkerOptions } from '../../examples/data-injection/worker'

export const QUEUE_ID = '5f4f0a5c-3d4e-4c8e-9a61-0d2b7c8e1f00'
export const CLIENT = { clientId: 'injection-worker', clientSecret: 'client-secret-not-for-logs' }

export function profile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    customerId: 'cust-4711',
    displayName: 'Ada Lovelace',
    email: 'ada@example.test',
    tier: 'premium',
    preferredLanguage: 'en-GB',
    accountNumber: 'GB29NWBK60161331926819',
    history: 'Called twice about the analytical engine warranty.',
    ...overrides,
  }
}

export interface Harness {
  sim: PlatformSimulation
  store: KeyValueStore
  crm: ReturnType<typeof createMemoryCrm>
  sessions: ReturnType<typeof createMemorySessions>
  correlation: ReturnType<typeof createCorrelation>
  logs: string[]
  outcomes: InjectionOutcome[]
  workers: InjectionWorker[]
  startWorker(overrides?: Partial<InjectionWorkerOptions>): Promise<InjectionWorker>
  /** Signs a portal session in and starts a conversation the way the widget would: with the token's reference on the customer. */
  chat(customer?: CustomerProfile): Promise<{ conversationId: string; reference: string; token: string }>
  /** A signed-in session whose widget has not started its conversation yet. */
  signIn(customer?: CustomerProfile): Promise<{ reference: string; token: string; startConversation(): string }>
  outcome(conversationId: string, status?: InjectionOutcome['status']): Promise<InjectionOutcome>
  close(): Promise<void>
}

export async function createHarness(simulation: Partial<SimulationOptions> = {}, store: KeyValueStore = createMemoryStore()): Promise<Harness> {
  const sim = await createPlatformSimulation({ ...CLIENT, ...simulation })
  const crm = createMemoryCrm([profile()])
  const sessions = createMemorySessions()
  const correlation = createCorrelation({ store, sessions })
  const { privateKey } = await generateKeyPair('RS256')
  const logs: string[] = []
  const outcomes: InjectionOutcome[] = []
  const waiters: Array<() => void> = []
  const workers: InjectionWorker[] = []
  let sessionCount = 0

  async function signIn(customer = profile()) {
    const sessionId = `session-${++sessionCount}-${customer.customerId}`
    sessions.start(sessionId, customer.customerId)
    const claims = await correlation.correlationClaims(sessionId)
    const token = await portalToken(privateKey, claims)
    const startConversation = () => sim.startConversation({ queueId: QUEUE_ID, customerAttributes: { [REFERENCE_CLAIM]: claims[REFERENCE_CLAIM] } }).id
    return { reference: claims[REFERENCE_CLAIM], token, startConversation }
  }

  return {
    sim,
    store,
    crm,
    sessions,
    correlation,
    logs,
    outcomes,
    workers,
    async startWorker(overrides = {}) {
      const worker = createInjectionWorker({
        ...CLIENT,
        gateway: sim.gateway,
        queueIds: [QUEUE_ID],
        store,
        crm,
        correlation,
        reconnect: { baseMs: 10, maxMs: 50 },
        log: (line) => logs.push(line),
        onOutcome: (outcome) => {
          outcomes.push(outcome)
          for (const wake of waiters.splice(0)) wake()
        },
        ...overrides,
      })
      workers.push(worker)
      await worker.start()
      return worker
    },
    async chat(customer = profile()) {
      const { reference, token, startConversation } = await signIn(customer)
      return { conversationId: startConversation(), reference, token }
    },
    signIn,
    async outcome(conversationId, status) {
      const deadline = Date.now() + 10_000
      for (;;) {
        const found = outcomes.find((outcome) => outcome.conversationId === conversationId && (!status || outcome.status === status))
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no ${status ?? ''} outcome for ${conversationId}; logs:\n${logs.join('\n')}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
    async close() {
      for (const worker of workers) worker.stop()
      await sim.close()
    },
  }
}

/** Resolves once `condition` holds; polls real time because real sockets and HTTP are in play. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface ManualTimer {
  callback: () => void
  ms: number
  cleared: boolean
}

/** Real `now`, but timers only run when a test fires them: long waits (token renewal, 24 h channels) without sleeping. */
export function manualClock() {
  const timers: ManualTimer[] = []
  return {
    timers,
    now: () => Date.now(),
    setTimeout(callback: () => void, ms: number): unknown {
      const timer = { callback, ms, cleared: false }
      timers.push(timer)
      return timer
    },
    clearTimeout(handle: unknown) {
      if (handle) (handle as ManualTimer).cleared = true
    },
    /** Fires the newest pending timer that `pick` accepts. */
    fire(pick: (ms: number) => boolean): void {
      const timer = timers.filter((candidate) => !candidate.cleared && pick(candidate.ms)).at(-1)
      if (!timer) throw new Error(`no pending timer matches; pending: ${timers.filter((t) => !t.cleared).map((t) => t.ms).join(', ')}`)
      timer.cleared = true
      timer.callback()
    },
  }
}

/** The widget token a portal backend signs: the routing envelope plus the correlation claims, as the example backend's issuer does. */
async function portalToken(privateKey: CryptoKey, correlationClaims: Record<string, string>): Promise<string> {
  const iat = Math.floor(Date.now() / 1000)
  return new SignJWT({ routing: { queueId: QUEUE_ID, language: 'en-US' }, ...correlationClaims })
    .setProtectedHeader({ alg: 'RS256', kid: 'portal-2026-11', typ: 'JWT' })
    .setAudience('c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8')
    .setIssuer('enterprise-portal-auth')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(privateKey)
}
