import { isWidgetTokenError, WidgetTokenError } from './errors'
import type { SessionConfig } from './session'
import { withinDeadline, type TokenResponse } from './source'
import { inspectToken, LARGE_TOKEN_BYTES } from './token'

const MAX_SKEW_MS = 30_000
/** How long a widget script may take to appear before the first hand-over counts as failed. */
const WIDGET_LOAD_MS = 30_000

/**
 * Checks an answer and hands its token to the widget within the deadline; resolves with the token's
 * lifetime. What the widget throws is wrapped, redacted, before it goes anywhere.
 */
export async function handOver(response: TokenResponse, first: boolean, signal: AbortSignal, config: SessionConfig): Promise<number> {
  const { widget, events, clock } = config
  const { token } = response
  const info = (widget.inspect ?? inspectToken)(token, { audience: config.audience, expiresIn: usableExpiresIn(response.expiresIn, config), sentAt: clock.now() })
  if (widget.apply) {
    const timeoutMs = config.timeoutMs + (first ? (widget.waitMs ?? WIDGET_LOAD_MS) : 0)
    const onTimeout = () => new WidgetTokenError('widget_rejected', `${timeoutMs} ms`)
    try {
      await withinDeadline((applySignal) => widget.apply!(token, { first, signal: applySignal }), { timeoutMs, clock, signal, onTimeout })
    } catch (error) {
      throw signal.aborted || isWidgetTokenError(error) ? error : new WidgetTokenError('widget_rejected', '', { cause: error })
    }
  }
  if (first && Math.abs(info.skewMs ?? 0) > MAX_SKEW_MS) events.emit('warning', { code: 'clock_skew', skewMs: info.skewMs! })
  if (info.bytes > LARGE_TOKEN_BYTES) events.emit('warning', { code: 'token_size', bytes: info.bytes })
  return info.lifetimeMs
}

function usableExpiresIn(expiresIn: unknown, { events }: SessionConfig): number | undefined {
  if (expiresIn === undefined || expiresIn === null) return undefined
  // Number.isFinite, unlike isFinite, is false for anything but a number.
  if (Number.isFinite(expiresIn)) return expiresIn as number
  events.emit('warning', { code: 'expires_in_ignored' })
  return undefined
}
