import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type PageSignal, type TokenManager } from '../../src'
import { genConfig, T0 } from '../helpers/setup'
import { sdkTimerCount } from '../helpers/widget'
import { jwt, ORG_ID } from '../helpers/jwt'
import { createFakeGen } from '../helpers/widget'

const TTL_SECONDS = 300
const BACKOFF = { baseMs: 1000, maxMs: 20_000 }
const REQUEST_TIMEOUT_MS = 10_000
/** A 429's Retry-After (3 s) and its jitter (up to one base step), beyond the backoff. */
const LIVENESS_MARGIN_MS = 5000

type Answer = 'ok' | '5xx' | '429' | '401' | 'hang' | 'bad token'

type Step =
  | { kind: 'tick'; ms: number }
  | { kind: 'page'; signal: PageSignal }
  | { kind: 'disconnect'; times: number }
  | { kind: 'start' | 'stop' | 'refresh' | 'burst' }
  | { kind: 'answer'; answer: Answer }
  | { kind: 'clock'; jumpMs: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('page' as const), signal: fc.constantFrom<PageSignal>('visible', 'resume', 'online') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), times: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('start' as const, 'stop' as const, 'refresh' as const, 'burst' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer' as const), answer: fc.constantFrom<Answer>('ok', '5xx', '429', '401', 'hang', 'bad token') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), jumpMs: fc.integer({ min: -3_600_000, max: 3_600_000 }) }) },
)

/**
 * The backend runs on real elapsed time (the monotonic clock), which device clock jumps do not move,
 * as a server's clock would not.
 */
function createWorld() {
  const serverNow = () => T0 + performance.now()
  const answers: Answer[] = []
  let inFlight = 0
  let maxInFlight = 0
  let requests = 0
  let healthy = true
  let lastFailureAt = -Infinity

  const fetch = async (_url: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    requests++
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const answer = answers.shift() ?? 'ok'
    if (answer !== 'ok') (healthy = false), (lastFailureAt = serverNow())
    try {
      if (answer === 'hang') {
        return await new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
      }
      await Promise.resolve()
      if (answer === '5xx') return new Response('', { status: 503 })
      if (answer === '429') return new Response('', { status: 429, headers: { 'retry-after': '3' } })
      if (answer === '401') return new Response('', { status: 401 })
      const iat = Math.floor(serverNow() / 1000)
      const token = answer === 'bad token' ? 'not-a-token' : jwt({ aud: ORG_ID, iat, exp: iat + TTL_SECONDS })
      return new Response(JSON.stringify({ token, expiresIn: TTL_SECONDS }))
    } finally {
      inFlight--
    }
  }

  const pageListeners = new Set<(signal: PageSignal) => void>()
  const page = (notify: (signal: PageSignal) => void) => {
    pageListeners.add(notify)
    return () => pageListeners.delete(notify)
  }
  return {
    fetch,
    page,
    answers,
    serverNow,
    pageListeners,
    get requests() {
      return requests
    },
    get maxInFlight() {
      return maxInFlight
    },
    get inFlight() {
      return inFlight
    },
    get healthy() {
      return healthy
    },
    /** When the backend last gave a failing answer, on its clock. */
    get lastFailureAt() {
      return lastFailureAt
    },
  }
}

function expiryOf(token: string | undefined): number | undefined {
  if (!token) return undefined
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }
  return payload.exp * 1000
}

async function play(steps: Step[]): Promise<void> {
  vi.useFakeTimers({ now: T0 })
  const world = createWorld()
  // The widget judges its token on the platform's clock, which device clock jumps do not move.
  const widget = createFakeGen({ platformNow: world.serverNow })
  const manager: TokenManager = createTokenManager({
    endpoint: '/token',
    fetch: world.fetch,
    page: world.page,
    widget: genWidget({ config: genConfig, gen: widget.gen }),
    retry: BACKOFF,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    leewaySeconds: 60,
  })
  const starts: Array<{ settled: boolean }> = []
  let running = false
  let callsAtStop = 0
  let requestsAtStop = 0
  let expiredSince: number | undefined
  // When the widget last dropped its session, or a run started: recovery is measured from the later of this and the last failure.
  let lastTroubleAt = -Infinity
  const widgetCalls = () => widget.gen.init.mock.calls.length + (widget.gen.updateConfiguration as ReturnType<typeof vi.fn>).mock.calls.length
  manager.on('ended', () => {
    running = false
  })

  for (const next of steps) {
    switch (next.kind) {
      case 'tick':
        await vi.advanceTimersByTimeAsync(next.ms)
        break
      case 'page':
        for (const notify of [...world.pageListeners]) notify(next.signal)
        break
      case 'disconnect':
        widget.disconnect(next.times)
        lastTroubleAt = world.serverNow()
        break
      case 'start': {
        const record = { settled: false }
        starts.push(record)
        manager.start().then(
          () => (record.settled = true),
          () => (record.settled = true),
        )
        running = true
        lastTroubleAt = world.serverNow()
        break
      }
      case 'stop':
        manager.stop()
        running = false
        break
      case 'refresh':
        manager.refresh().catch(() => {})
        break
      case 'burst':
        // Everything that can ask for a token, in one tick.
        manager.refresh().catch(() => {})
        for (const notify of [...world.pageListeners]) notify('online')
        widget.disconnect(3)
        lastTroubleAt = world.serverNow()
        manager.refresh().catch(() => {})
        break
      case 'answer':
        world.answers.push(next.answer)
        break
      case 'clock':
        vi.setSystemTime(Date.now() + next.jumpMs)
        break
    }
    await vi.advanceTimersByTimeAsync(0)
    if (next.kind === 'stop') {
      callsAtStop = widgetCalls()
      requestsAtStop = world.requests
    }

    expect(world.maxInFlight, 'at most one request in flight').toBeLessThanOrEqual(1)
    if (!running && (manager.state === 'stopped' || manager.state === 'ended' || manager.state === 'idle')) {
      expect(sdkTimerCount(), 'no timer once stopped or ended').toBe(0)
      expect(world.pageListeners.size, 'no page listener once stopped or ended').toBe(0)
      expect(world.inFlight, 'no request once stopped or ended').toBe(0)
      if (manager.state === 'stopped') {
        expect(widgetCalls(), 'no widget call after stop').toBe(callsAtStop)
        expect(world.requests, 'no request after stop').toBe(requestsAtStop)
      }
    }
    // Once the backend answers again and the widget stops dropping, the widget is connected with a valid
    // token within one longest backoff step and one request timeout of the last trouble.
    const quietSince = Math.max(world.lastFailureAt, lastTroubleAt)
    if (running && world.answers.length === 0 && world.serverNow() - quietSince > BACKOFF.maxMs + REQUEST_TIMEOUT_MS + LIVENESS_MARGIN_MS) {
      expect(manager.state, 'recovered after the last failure').toBe('active')
      expect(widget.connected, 'the widget is connected again').toBe(true)
      expect(expiryOf(widget.token)!, 'with a token that has not run out').toBeGreaterThan(world.serverNow())
    }
    if (running && world.healthy && manager.state !== 'starting') {
      const expiresAt = expiryOf(widget.token)
      const now = world.serverNow()
      if (expiresAt !== undefined && now > expiresAt) expiredSince ??= expiresAt
      else expiredSince = undefined
      if (expiredSince !== undefined) {
        expect(now - expiredSince, 'a healthy backend keeps the widget’s token valid, give or take one backoff step').toBeLessThanOrEqual(BACKOFF.maxMs + REQUEST_TIMEOUT_MS)
      }
    }
  }

  manager.stop()
  await vi.advanceTimersByTimeAsync(0)
  expect(starts.every((start) => start.settled), 'every start() settles').toBe(true)
  expect(sdkTimerCount()).toBe(0)
  expect(world.pageListeners.size).toBe(0)
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the manager, driven by random sequences', () => {
  it('keeps its invariants whatever the page, the widget, the backend and the clock do', async () => {
    const sequence = fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }).map((steps): Step[] => [{ kind: 'start' }, ...steps])
    // Mutation testing runs this once per mutant: it asks for fewer runs.
    await fc.assert(fc.asyncProperty(sequence, play), { numRuns: Number(process.env.MODEL_RUNS ?? 200) })
  }, 120_000)
})
