import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type TokenResponse, type Warning, type WidgetAdapter, type WidgetTokenError } from '../src'
import { settle, T0 } from './helpers/setup'
import { jwt, ORG_ID } from './helpers/jwt'

let manager: TokenManager | undefined

afterEach(() => {
  manager?.stop()
  manager = undefined
  vi.useRealTimers()
})

const nowS = () => Math.floor(Date.now() / 1000)
const fresh = (claims: Record<string, unknown> = {}) => jwt({ aud: ORG_ID, iat: nowS(), exp: nowS() + 1800, ...claims })

/** A push widget whose `apply` the test writes, on a manager with a custom source. */
function open(apply: NonNullable<WidgetAdapter['apply']>, answer: () => TokenResponse = () => ({ token: fresh(), expiresIn: 1800 }), widget: Partial<WidgetAdapter> = {}) {
  vi.useFakeTimers({ now: T0 })
  manager = createTokenManager({ fetchToken: async () => answer(), widget: { attach: () => () => {}, apply, ...widget }, audience: ORG_ID, random: () => 1 })
  const errors: WidgetTokenError[] = []
  const warnings: Warning[] = []
  manager.on('error', (error) => errors.push(error))
  manager.on('warning', (warning) => warnings.push(warning))
  return { manager, errors, warnings }
}

describe('the first hand-over', () => {
  it('waits 30 s on top of the request timeout for a widget script to load', async () => {
    const { manager, errors } = open(({}, { first }) => (first ? new Promise<void>((resolve) => setTimeout(resolve, 39_000)) : undefined))
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(39_000)
    await expect(started).resolves.toBeUndefined()
    expect(errors).toEqual([])
  })

  it('fails as a retryable widget_rejected naming the time it waited', async () => {
    const { manager, errors } = open(() => new Promise<void>(() => {}))
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(40_000 - 1)
    expect(errors).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(errors).toEqual([expect.objectContaining({ code: 'widget_rejected', retryable: true, message: 'widget-token: widget_rejected: not taken within 40000 ms' })])
  })

  it('waits as long as the adapter says its widget needs', async () => {
    const { manager, errors } = open(() => new Promise<void>(() => {}), undefined, { waitMs: 5000 })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(15_000)
    expect(errors.map((error) => error.message)).toEqual(['widget-token: widget_rejected: not taken within 15000 ms'])
  })
})

describe('what the widget throws', () => {
  it('becomes a retryable widget_rejected that keeps the widget’s message as its cause', async () => {
    let calls = 0
    const { manager, errors } = open(() => {
      if (calls++ === 0) throw new Error('socket closed')
    })
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started

    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ name: 'WidgetTokenError', code: 'widget_rejected', retryable: true, retryInMs: 1000, message: 'widget-token: widget_rejected: the widget threw' })
    expect(errors[0]?.cause).toMatchObject({ name: 'Error', message: 'socket closed' })
    expect(manager.state).toBe('active')
  })
})

describe('warnings', () => {
  it('warns about a device clock more than 30 s off, not one 30 s off', async () => {
    const ahead = (seconds: number) => () => ({ token: fresh({ iat: nowS() + seconds, exp: nowS() + seconds + 1800 }), expiresIn: 1800 })
    const exactly = open(vi.fn(), ahead(30))
    await exactly.manager.start()
    expect(exactly.warnings).toEqual([])
    exactly.manager.stop()

    const beyond = open(vi.fn(), ahead(31))
    await beyond.manager.start()
    expect(beyond.warnings).toEqual([{ code: 'clock_skew', skewMs: 31_000 }])
  })

  it('warns about a token larger than 3584 bytes, not one of 3584', async () => {
    const sized = (bytes: number) => {
      for (let padding = 2000; ; padding++) {
        const token = fresh({ pad: 'x'.repeat(padding) })
        if (token.length === bytes) return token
        if (token.length > bytes) throw new Error(`no token of ${bytes} bytes`)
      }
    }
    const limit = open(vi.fn(), () => ({ token: sized(3584), expiresIn: 1800 }))
    await limit.manager.start()
    expect(limit.warnings).toEqual([])
    limit.manager.stop()

    const over = open(vi.fn(), () => ({ token: sized(3586), expiresIn: 1800 }))
    await over.manager.start()
    expect(over.warnings).toEqual([{ code: 'token_size', bytes: 3586 }])
  })

  it.each([
    ['no expiresIn', undefined],
    ['an expiresIn of null, as JSON may say it', null],
  ])('does not warn about %s, and plans from the token’s own lifetime', async (_, expiresIn) => {
    const { manager, warnings } = open(vi.fn(), () => ({ token: fresh({ exp: nowS() + 600 }), expiresIn: expiresIn as undefined }))
    await manager.start()
    await settle()
    expect(warnings).toEqual([])
    expect(manager.expiresAt).toBe(T0 + 600_000)
  })
})
