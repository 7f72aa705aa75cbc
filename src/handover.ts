import type { WidgetAdapter } from './adapters/adapter'
import { withinDeadline, type Clock } from './clock'
import { isWidgetTokenError, WidgetTokenError } from './errors'
import type { Emitter } from './events'
import type { TokenResponse } from './source'
import { inspectToken, LARGE_TOKEN_BYTES } from './token'

const MAX_SKEW_MS = 30_000
/** How long a widget script may take to appear before the first hand-over counts as failed. */
const WIDGET_LOAD_MS = 30_000

/** What a hand-over needs of the session's settings. */
export interface HandoverConfig {
  widget: WidgetAdapter
  clock: Clock
  events: Emitter
  audience: string | undefined
  timeoutMs: number
}

export interface Delivery {
  /** The session's first token: the widget still has to be started. */
  first: boolean
  /** The widget lost its session since its last token: it has to be started again. */
  restart: boolean
  signal: AbortSignal
}

/**
 * Checks an answer and hands its token to the widget within the deadline; resolves with the token's
 * lifetime. What the widget throws is wrapped, redacted, before it goes anywhere.
 */
export async function handOver(response: TokenResponse, { first, restart, signal }: Delivery, config: HandoverConfig): Promise<number> {
  const { widget, events, clock } = config
  const { token } = response
  const info = (widget.inspect ?? inspectToken)(token, { audience: config.audience, expiresIn: usableExpiresIn(response.expiresIn, events), sentAt: clock.now() })
  if (widget.apply) {
    const timeoutMs = config.timeoutMs + (first ? (widget.waitMs ?? WIDGET_LOAD_MS) : 0)
    const onTimeout = () => new WidgetTokenError('widget_rejected', `not taken within ${timeoutMs} ms`)
    try {
      await withinDeadline((applySignal) => widget.apply!(token, { first, restart: restart && !first, signal: applySignal }), { timeoutMs, clock, signal, onTimeout })
    } catch (error) {
      throw signal.aborted || isWidgetTokenError(error) ? error : new WidgetTokenError('widget_rejected', 'the widget threw', { cause: error })
    }
  }
  if (first && Math.abs(info.skewMs ?? 0) > MAX_SKEW_MS) events.emit('warning', { code: 'clock_skew', skewMs: info.skewMs! })
  if (info.bytes > LARGE_TOKEN_BYTES) events.emit('warning', { code: 'token_size', bytes: info.bytes })
  return info.lifetimeMs
}

function usableExpiresIn(expiresIn: unknown, events: Emitter): number | undefined {
  if (expiresIn === undefined || expiresIn === null) return undefined
  // Number.isFinite, unlike isFinite, is false for anything but a number.
  if (Number.isFinite(expiresIn)) return expiresIn as number
  events.emit('warning', { code: 'expires_in_ignored' })
  return undefined
}
