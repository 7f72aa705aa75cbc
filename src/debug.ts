/**
 * Words the manager's decision trail (`log` option) as one line each: `explain(console.debug)`. Kept
 * out of the main bundle.
 *
 * @module
 */
import type { Trail, TrailEntry } from './trail'

const seconds = (ms: number) => (ms === Infinity ? 'never' : `${Math.round(ms / 100) / 10} s`)

const REASONS: Record<string, string> = {
  start: 'the first token of this run',
  schedule: 'the planned refresh',
  visible: 'the tab became visible and a refresh was due',
  resume: 'the tab resumed (frozen, back/forward cache, or the device slept) and a refresh was due',
  online: 'the network came back',
  disconnect: 'the widget lost its session',
  expired: 'the widget said its token ran out',
  refused: 'the widget refused the token it asked for',
  manual: 'refresh() was called',
  retry: 'the planned retry',
  tab: 'another tab shared its token',
}

/** One line, in words, for one decision of the manager. Holds no token, claim value or cookie. */
export function describeEntry(entry: TrailEntry): string {
  switch (entry.step) {
    case 'request':
      return `request: asking the backend for a token (${REASONS[entry.reason]})`
    case 'planned':
      return `token: the widget has a new one (${REASONS[entry.reason]}); it runs out in ${seconds(entry.expiresInMs)}, next refresh in ${seconds(entry.refreshInMs)}`
    case 'failed':
      return entry.retryInMs === undefined
        ? `failure ${entry.code}: not retryable, the run ends`
        : `failure ${entry.code}: next try in ${seconds(entry.retryInMs)}`
    case 'rejected':
      return entry.retryInMs === 0
        ? `widget: ${REASONS[entry.reason]}, refreshing at once`
        : `widget: turned down a fresh token (${entry.reason}), next token in ${seconds(entry.retryInMs)}`
    case 'checked':
      return `check (${entry.signal}): nothing due, next refresh or retry in ${seconds(entry.dueInMs)}`
    case 'expired':
      return 'expired: the widget’s token ran out before a new one arrived; retries go on'
    default:
      return `${entry.step}: the run is over, nothing stays scheduled`
  }
}

/**
 * The manager's decisions, one line each, for the console or a bug report.
 *
 * @example
 * import { explain } from 'widget-token/debug'
 * createTokenManager({ endpoint, widget, log: explain(console.debug) })
 * // widget-token: request: asking the backend for a token (the first token of this run)
 * // widget-token: token: the widget has a new one (the first token of this run); it runs out in 1800 s, next refresh in 1680 s
 */
export function explain(write: (line: string) => void = console.debug): Trail {
  return (entry) => write(`widget-token: ${describeEntry(entry)}`)
}
