import { jwtDecode, type JwtPayload } from 'jwt-decode'
import type { WidgetAdapter, WidgetHost } from '../adapters/adapter'
import type { WidgetTokenError } from '../errors'

export interface ReceivedToken {
  token: string
  /** The decoded payload, for assertions on `sub`, `aud`, `exp`. */
  claims: JwtPayload & Record<string, unknown>
  /** True for the token that started the widget. */
  first: boolean
}

export interface FakeWidgetOptions {
  /** The widget asks for tokens (`ask()`) instead of being handed them, as Zendesk and Web Messenger do. */
  pull?: boolean
  /** The `aud` its tokens must carry. */
  audience?: string
  /**
   * By default the widget is as strict as the guide's: once disconnected (or its token ran out) it
   * ignores tokens until it is started again (`restart`). `true` makes it take any token, as widgets
   * whose update also reconnects do.
   */
  lenient?: boolean
}

export interface FakeWidget extends WidgetAdapter {
  /** Every token the widget accepted, oldest first. */
  readonly received: readonly ReceivedToken[]
  /** The token the widget holds now. */
  readonly current: ReceivedToken | undefined
  /** Tokens the widget refused (`refuseNext`). */
  readonly refused: readonly string[]
  /** Tokens a disconnected widget ignored because they came as an update, not a restart. */
  readonly ignored: readonly string[]
  /** Whether the widget holds a token it accepted and has not lost since. */
  readonly connected: boolean
  /** Whether a running manager is attached. */
  readonly attached: boolean
  /** The error the manager ended with, once it did (the widget was told to sign out). */
  readonly endedWith: WidgetTokenError | undefined
  /** The widget lost its session, as on a `disconnected` event. */
  disconnect(): void
  /** The widget says its token ran out and waits for a new one; it also does so by itself at the token's `exp`. */
  expire(): void
  /** The widget refuses the next `times` tokens it gets (push) or asks for (pull). */
  refuseNext(times?: number): void
  /** A pull widget asks for a token; resolves with the one it accepted. */
  ask(): Promise<string>
}

/**
 * A widget adapter that records what it receives and misbehaves on demand.
 *
 * @example
 * const widget = createFakeWidget()
 * createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget }).start()
 * await vi.advanceTimersByTimeAsync(0)
 * expect(widget.current?.claims.sub).toBe('test-visitor')
 */
export function createFakeWidget({ pull = false, audience, lenient = false }: FakeWidgetOptions = {}): FakeWidget {
  const received: ReceivedToken[] = []
  const refused: string[] = []
  const ignored: string[] = []
  let host: WidgetHost | undefined
  let toRefuse = 0
  let endedWith: WidgetTokenError | undefined
  let connected = false
  let expiry: ReturnType<typeof setTimeout> | undefined

  const lose = (tell: (host: WidgetHost) => void) => {
    clearTimeout(expiry)
    connected = false
    if (host) tell(host)
  }
  const accept = (token: string, first: boolean) => {
    const claims = jwtDecode<JwtPayload & Record<string, unknown>>(token)
    received.push({ token, claims, first })
    connected = true
    clearTimeout(expiry)
    // The widget checks its token's exp itself, as the real one does, and drops the session when it passes.
    if (typeof claims.exp === 'number') expireAt(claims.exp * 1000)
  }
  // Checked again on every wake-up, and chained: setTimeout holds 32-bit delays only.
  const expireAt = (at: number) => {
    expiry = setTimeout(() => (Date.now() < at ? expireAt(at) : lose((attached) => attached.expired())), Math.min(at - Date.now(), 2 ** 31 - 1))
  }
  const requireHost = (action: string): WidgetHost => {
    if (!host) throw new Error(`fake widget: cannot ${action} before a manager starts (or after it stopped)`)
    return host
  }

  const widget: FakeWidget = {
    audience,
    attach(newHost) {
      host = newHost
      // Detached, the widget still holds its token and still drops it when its exp passes, as the
      // real one does: a stopped manager does not keep it connected.
      return () => {
        if (host === newHost) host = undefined
      }
    },
    ended(error) {
      endedWith = error
    },
    received,
    refused,
    ignored,
    get current() {
      return received.at(-1)
    },
    get connected() {
      return connected
    },
    get attached() {
      return host !== undefined
    },
    get endedWith() {
      return endedWith
    },
    disconnect: () => lose((attached) => attached.disconnected()),
    expire: () => lose((attached) => attached.expired()),
    refuseNext(times = 1) {
      toRefuse += times
    },
    async ask() {
      for (;;) {
        const token = await requireHost('ask').token(received.length ? 'disconnect' : 'start')
        if (toRefuse === 0) {
          accept(token, received.length === 0)
          return token
        }
        toRefuse--
        refused.push(token)
        host?.refused(new Error('refused by the fake widget'))
      }
    },
  }
  if (!pull) {
    widget.apply = (token, { first, restart }) => {
      if (toRefuse > 0) {
        toRefuse--
        refused.push(token)
        throw new Error('refused by the fake widget')
      }
      // A disconnected widget takes a token only when it is started again.
      if (!first && !restart && !connected && !lenient) return void ignored.push(token)
      accept(token, first)
    }
  }
  return widget
}
