import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type PageSignal, type TokenManager } from '../../src'
import { shareAcrossTabs } from '../../src/tabs'
import { installBroadcastChannel } from '../helpers/channel'
import { createFreezer } from '../helpers/freeze'
import { createFakeLocks } from '../helpers/locks'
import { genConfig, T0 } from '../helpers/setup'
import { sdkTimerCount } from '../helpers/widget'
import { jwt, ORG_ID } from '../helpers/jwt'
import { createFakeGen, type FakeGen } from '../helpers/widget'

const TTL_SECONDS = 600
const LEEWAY_SECONDS = 120
const MAX_TABS = 6
/** Refreshes driven by timers alone, in any tab, never come closer together than the first backoff step. */
const BASE_BACKOFF_MS = 1000
const MAX_LATENCY_MS = 3000
/** How long a new tab asks the open ones for their token. */
const ASK_MS = 100
/** How long a thawed tab may take to replace a token that ran out while it was frozen: asking, a lock, a request. */
const THAWED_MS = ASK_MS + 1000 + 2 * MAX_LATENCY_MS

type Step =
  | { kind: 'tick'; ms: number }
  | { kind: 'open' }
  | { kind: 'close' | 'refresh' | 'disconnect' | 'freeze' | 'thaw'; tab: number }
  | { kind: 'page'; tab: number; signal: PageSignal }
  | { kind: 'latency'; ms: number }
  | { kind: 'sign-out' }

const tab = fc.nat({ max: MAX_TABS - 1 })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 300_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('open' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('close' as const, 'refresh' as const, 'disconnect' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('freeze' as const, 'thaw' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('page' as const), tab, signal: fc.constantFrom<PageSignal>('visible', 'resume', 'online') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('latency' as const), ms: fc.integer({ min: 0, max: MAX_LATENCY_MS }) }) },
)

interface OpenTab {
  manager: TokenManager
  widget: FakeGen
  page: Set<(signal: PageSignal) => void>
  started: boolean
  openedAt: number
  /** Frozen by the browser: its timers and the messages sent to it wait (see `openTab`). */
  freezer: ReturnType<typeof createFreezer>
  thawedAt: number
  /** Why its latest request was made, from its trail. */
  reason: string | undefined
}

/** A backend whose answers take `latencyMs`, on the server's clock; healthy until the visitor signs out. */
function createBackend() {
  let inFlight = 0
  let maxInFlight = 0
  const sentAt: number[] = []
  const backend = {
    latencyMs: 50,
    signedOut: false,
    /** When a request first met the signed-out session. */
    unauthorizedAt: undefined as number | undefined,
    sentAt,
    get maxInFlight() {
      return maxInFlight
    },
    fetch: async (_url: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
      sentAt.push(Date.now())
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        await new Promise<void>((resolve, reject) => {
          const answered = setTimeout(resolve, backend.latencyMs)
          init.signal?.addEventListener('abort', () => (clearTimeout(answered), reject(init.signal?.reason)))
        })
        if (backend.signedOut) {
          backend.unauthorizedAt ??= Date.now()
          return new Response('', { status: 401 })
        }
        const iat = Math.floor(Date.now() / 1000)
        return new Response(JSON.stringify({ token: jwt({ aud: ORG_ID, iat, exp: iat + TTL_SECONDS }), expiresIn: TTL_SECONDS }))
      } finally {
        inFlight--
      }
    },
  }
  return backend
}

function claimsOf(token: string): { iat: number; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number }
}

async function play(steps: Step[]): Promise<void> {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  const restoreChannel = installBroadcastChannel()
  const { locks } = createFakeLocks()
  vi.stubGlobal('navigator', { ...globalThis.navigator, locks })
  const backend = createBackend()
  const open: OpenTab[] = []
  let staleRefresh: string | undefined
  let needlessRequest: string | undefined

  /**
   * A tab that was frozen refreshes, unless refresh() or a disconnect asks it to, only when no running
   * tab holds a token with more than half its lifetime left: it may have missed that token, so it
   * asks the open tabs first. (Tabs that never froze are held to one request per refresh by the check
   * on timers below. A tab that opens while another's token is still on its way to the open tabs may
   * be handed the one before it, and refresh early once.)
   */
  const checkRequest = (caller: OpenTab) => {
    // A frozen tab sends nothing in a browser; here its tab-sharing timers run on, and it may.
    if (backend.signedOut || caller.freezer.frozen || caller.thawedAt === -Infinity) return
    if (['start', 'manual', 'disconnect'].includes(caller.reason!)) return
    for (const other of open) {
      if (other === caller || other.freezer.frozen || !other.widget.token) continue
      const leftMs = claimsOf(other.widget.token).exp * 1000 - Date.now()
      // Missing a refresh leaves a tab a whole refresh behind; being handed the token before the
      // newest one, seconds behind.
      if (leftMs > (TTL_SECONDS * 1000) / 2) needlessRequest ??= `${caller.reason} request while another tab held a token with ${leftMs} ms left`
    }
  }

  /**
   * A tab the browser may freeze (see `createFreezer`). Its tab-sharing timers keep running: the
   * browser does not freeze a page that holds a Web Lock.
   */
  const openTab = () => {
    const freezer = createFreezer()
    const widget = createFakeGen({ clock: freezer.clock })
    const sharing = shareAcrossTabs({ channel: freezer.channel })
    const page = new Set<(signal: PageSignal) => void>()
    const manager = createTokenManager({
      endpoint: '/token',
      fetch: (url, init) => (checkRequest(opened), backend.fetch(url, init)),
      leewaySeconds: LEEWAY_SECONDS,
      page: (notify) => (page.add(notify), () => page.delete(notify)),
      widget: genWidget({ config: genConfig, gen: widget.gen }),
      clock: freezer.clock,
      // On the running clock, not the tab's: the browser does not freeze a page that holds a Web Lock.
      tabs: (key, listener) => sharing(key, listener),
      log: (entry) => {
        if (entry.step === 'request') opened.reason = entry.reason
      },
    })
    const opened: OpenTab = { manager, widget, page, started: false, openedAt: Date.now(), freezer, thawedAt: -Infinity, reason: undefined }
    manager.start().then(
      () => (opened.started = true),
      () => {},
    )
    open.push(opened)
  }

  try {
    for (const next of steps) {
      const pick = 'tab' in next ? open[next.tab % Math.max(open.length, 1)] : undefined
      // No code runs in a frozen tab: neither the page's nor the widget's.
      if (pick?.freezer.frozen && ['refresh', 'disconnect', 'page'].includes(next.kind)) continue
      const requestsBefore = backend.sentAt.length
      switch (next.kind) {
        case 'tick':
          await vi.advanceTimersByTimeAsync(next.ms)
          break
        case 'open':
          if (open.length < MAX_TABS) openTab()
          break
        case 'close':
          if (pick && open.length > 1) {
            pick.manager.stop()
            pick.widget.destroy()
            open.splice(open.indexOf(pick), 1)
          }
          break
        case 'refresh': {
          if (!pick) break
          // A tab still starting, or refreshing already, joins that request: only an idle one must ask anew.
          const joins = pick.manager.state !== 'active'
          const calledAt = Date.now()
          pick.manager.refresh().then(
            () => {
              // It may take the token of a request another tab sent a moment before, never an older one.
              const issuedAt = claimsOf(pick.widget.token!).iat * 1000
              if (!joins && issuedAt < calledAt - MAX_LATENCY_MS - 1000) staleRefresh ??= `issued ${calledAt - issuedAt} ms before refresh()`
            },
            () => {},
          )
          break
        }
        case 'disconnect':
          pick?.widget.disconnect()
          break
        case 'freeze':
          pick?.freezer.freeze()
          break
        case 'thaw':
          if (!pick?.freezer.frozen) break
          pick.thawedAt = Date.now()
          pick.freezer.thaw()
          break
        case 'page':
          for (const notify of pick?.page ?? []) notify(next.signal)
          break
        case 'latency':
          backend.latencyMs = next.ms
          break
        case 'sign-out':
          backend.signedOut = true
          break
      }
      await vi.advanceTimersByTimeAsync(0)

      expect(backend.maxInFlight, 'one request at a time across all tabs').toBeLessThanOrEqual(1)
      expect(staleRefresh, 'refresh() hands the widget a token obtained for it').toBeUndefined()
      expect(needlessRequest, 'no request while another running tab holds a fresh token').toBeUndefined()
      // At sign-out a tab that gets the lock before the news may meet the 401 itself.
      if (next.kind === 'tick' && !backend.signedOut) {
        const sent = backend.sentAt.slice(requestsBefore)
        for (let i = 1; i < sent.length; i++) {
          expect(sent[i]! - sent[i - 1]!, 'timers alone never make two requests in a row').toBeGreaterThanOrEqual(BASE_BACKOFF_MS)
        }
      }
      const { unauthorizedAt } = backend
      if (unauthorizedAt !== undefined) {
        for (const { manager, openedAt, freezer, thawedAt } of open) {
          // Open tabs learn it from the tab that met the 401; a tab opened later from its own request,
          // and a frozen one once it thaws.
          const endBy = Math.max(unauthorizedAt + 1000, openedAt + ASK_MS + MAX_LATENCY_MS + 1000, thawedAt + THAWED_MS)
          if (!freezer.frozen && Date.now() > endBy) expect(manager.state, 'sign-out ends every tab within a second').toBe('ended')
        }
        continue
      }
      for (const { manager, widget, started, freezer, thawedAt } of open) {
        // A frozen tab cannot refresh; thawed, it gets a token within its first request's time.
        if (!started || backend.signedOut || freezer.frozen || Date.now() < thawedAt + THAWED_MS) continue
        expect(manager.state, 'every open tab keeps running').not.toMatch(/ended|stopped/)
        expect(claimsOf(widget.token!).exp * 1000, 'every open tab’s widget holds a token that has not run out').toBeGreaterThan(Date.now())
      }
    }
  } finally {
    for (const { manager, widget } of open) (manager.stop(), widget.destroy())
    await vi.advanceTimersByTimeAsync(0)
    restoreChannel()
  }
  expect(sdkTimerCount(), 'no timer once every tab is closed').toBe(0)
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('tabs sharing one credential, driven by random sequences', () => {
  it('make one request at a time, never two for one refresh, give refresh() a new token, keep every widget’s token valid, and all end on sign-out', async () => {
    // A quarter of the runs sign the visitor out somewhere along the way.
    const sequence = fc
      .tuple(fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }), fc.nat({ max: 59 }), fc.boolean(), fc.boolean())
      .map(([steps, at, ...coins]): Step[] => [{ kind: 'open' }, ...(coins.every(Boolean) ? [...steps.slice(0, at), { kind: 'sign-out' as const }, ...steps.slice(at)] : steps)])
    await fc.assert(fc.asyncProperty(sequence, play), { numRuns: Number(process.env.MODEL_RUNS ?? 200) })
  }, 120_000)
})
