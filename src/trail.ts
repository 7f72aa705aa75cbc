import type { ErrorCode } from './errors'
import type { PageSignal } from './page'
import type { Reason } from './source'

/**
 * One decision of the manager, as data: why it asked for a token, what it planned, what a failure
 * does next. Never a token, a claim value or a cookie. `explain` from `widget-token/debug` words it.
 */
export type TrailEntry =
  /** A request for a token went out. */
  | { step: 'request'; reason: Reason }
  /** A token reached the widget; the next refresh is due in `refreshInMs`, the token runs out in `expiresInMs`. */
  | { step: 'planned'; reason: Reason; refreshInMs: number; expiresInMs: number }
  /** A try failed: the next one is in `retryInMs`, or the run ends when that is undefined. */
  | { step: 'failed'; code: ErrorCode; retryInMs: number | undefined }
  /** The widget turned its token down: the next token comes after `retryInMs` (0: at once). */
  | { step: 'rejected'; reason: Reason; retryInMs: number }
  /** A page signal or a late timer made the manager look again; nothing was due for `dueInMs`. */
  | { step: 'checked'; signal: PageSignal; dueInMs: number }
  /** The widget's token ran out before a new one arrived. */
  | { step: 'expired' }
  /** The run is over. */
  | { step: 'stopped' | 'ended' }

export type Trail = (entry: TrailEntry) => void
