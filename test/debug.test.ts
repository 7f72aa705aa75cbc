import { describe, expect, it, vi } from 'vitest'
import { explain } from '../src/debug'
import { cleanUpManagers, createHarness, MINUTE, setVisibility, type Harness } from './helpers/setup'
import { ORG_ID } from './helpers/jwt'

let h: Harness

cleanUpManagers()

describe('the debug trail', () => {
  it('explains every decision in one line each, and never prints a token, a claim or a cookie', async () => {
    const lines: string[] = []
    h = createHarness({ log: explain((line) => lines.push(line)) })
    document.cookie = 'portal_session=s3cr3t-session'
    await h.manager.start()
    setVisibility('visible')
    h.backend.answer({ throws: new TypeError('Failed to fetch') })
    await vi.advanceTimersByTimeAsync(29 * MINUTE)
    h.widget.disconnect()
    await vi.advanceTimersByTimeAsync(0)
    h.widget.disconnect()
    h.manager.stop()

    expect(lines).toEqual([
      'widget-token: request: asking the backend for a token (the first token of this run)',
      'widget-token: token: the widget has a new one (the first token of this run); it runs out in 1800 s, next refresh in 1680 s',
      'widget-token: check (visible): nothing due, next refresh or retry in 1680 s',
      'widget-token: request: asking the backend for a token (the planned refresh)',
      'widget-token: failure network: next try in 1 s',
      'widget-token: request: asking the backend for a token (the planned retry)',
      'widget-token: token: the widget has a new one (the planned retry); it runs out in 1800 s, next refresh in 1680 s',
      'widget-token: widget: the widget lost its session, refreshing at once',
      'widget-token: request: asking the backend for a token (the widget lost its session)',
      'widget-token: token: the widget has a new one (the widget lost its session); it runs out in 1800 s, next refresh in 1680 s',
      'widget-token: widget: turned down a fresh token (disconnect), next token in 1 s',
      'widget-token: stopped: the run is over, nothing stays scheduled',
    ])
    const printed = lines.join('\n')
    for (const token of h.backend.issued) for (const part of token.split('.')) expect(printed).not.toContain(part)
    for (const secret of [ORG_ID, 'visitor-1', 's3cr3t-session']) expect(printed).not.toContain(secret)
  })

  it('says when a failure ends the run', async () => {
    const lines: string[] = []
    h = createHarness({ log: explain((line) => lines.push(line)) })
    h.backend.answer({ status: 401 })
    await h.manager.start().catch(() => {})
    expect(lines.slice(-2)).toEqual(['widget-token: failure unauthorized: not retryable, the run ends', 'widget-token: ended: the run is over, nothing stays scheduled'])
  })
})
