import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTokenManager, genWidget, type TokenManager } from '../../src'
import { startBackendProcess } from '../helpers/backend-process'
import { createFakeGen } from '../helpers/widget'

const ORG = 'c4b1a2e3-7f8d-4a9b-b1c2-d3e4f5a6b7c8'
const happyDOM = (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM
let backend: Awaited<ReturnType<typeof startBackendProcess>>
let manager: TokenManager | undefined

async function startBackend(options: Parameters<typeof startBackendProcess>[0] = {}) {
  await backend?.close()
  backend = await startBackendProcess({ organizationId: ORG, ttlSeconds: 600, ...options })
  happyDOM.setURL(`${backend.url}/`)
}

beforeEach(() => startBackend())

afterEach(async () => {
  manager?.stop()
  await backend.close()
  happyDOM.setURL('http://localhost:3000/')
})

const signIn = () =>
  fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) })

function createManager(organizationId = ORG, retry = { baseMs: 1000, maxMs: 60_000 }) {
  const widget = createFakeGen()
  manager = createTokenManager({
    endpoint: '/api/v1/embedded-cx/token',
    refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
    widget: genWidget({ config: { organization: { id: organizationId } }, gen: widget.gen }),
    retry,
  })
  return { manager, widget }
}

describe('the SDK against the example backend', () => {
  it('gets, validates and hands over tokens with the session cookie', async () => {
    expect((await signIn()).status).toBe(200)
    const { manager, widget } = createManager()
    const tokens: string[] = []
    manager.on('token', ({ reason }) => tokens.push(reason))
    await manager.start()
    await manager.refresh()

    expect(tokens).toEqual(['start', 'manual'])
    expect(widget.gen.init).toHaveBeenCalledTimes(1)
    expect(widget.gen.updateConfiguration).toHaveBeenCalledTimes(1)
    expect(widget.token?.split('.')).toHaveLength(3)
    expect(manager.expiresAt! - Date.now()).toBeGreaterThan(590_000)
  })

  it('gives a widget that dropped its token another one, never the token it dropped', async () => {
    await signIn()
    const { manager, widget } = createManager(ORG, { baseMs: 1, maxMs: 1 })
    await manager.start()
    const dropped = widget.token
    // Within the service's refresh window, which would otherwise hand the session its last token again.
    widget.disconnect()
    await new Promise<void>((resolve) => manager.on('token', () => resolve()))

    expect(widget.connected).toBe(true)
    expect(widget.token).toBeDefined()
    expect(widget.token).not.toBe(dropped)
    expect(widget.gen.init).toHaveBeenCalledTimes(2)
  })

  it('ends without a session', async () => {
    const { manager, widget } = createManager()
    await expect(manager.start()).rejects.toMatchObject({ code: 'unauthorized', status: 401 })
    expect(manager.state).toBe('ended')
    expect(widget.gen.init).not.toHaveBeenCalled()
  })

  it('refuses tokens for another organization before the widget sees them', async () => {
    await signIn()
    const { manager, widget } = createManager('another-org', { baseMs: 1, maxMs: 1 })
    const errors: string[] = []
    manager.on('error', (error) => errors.push(error.code))

    await expect(manager.start()).rejects.toMatchObject({ code: 'audience_mismatch' })
    expect(errors).toEqual(['audience_mismatch', 'audience_mismatch'])
    expect(widget.gen.init).not.toHaveBeenCalled()
  })

  it('ends, after one request, when the size guard refuses the token', async () => {
    await startBackend({ maxTokenBytes: 600 })
    await signIn()
    const { manager, widget } = createManager(ORG, { baseMs: 1, maxMs: 1 })
    const errors: Array<{ code: string; status?: number | undefined; retryable: boolean }> = []
    manager.on('error', ({ code, status, retryable }) => errors.push({ code, status, retryable }))

    await expect(manager.start()).rejects.toMatchObject({ code: 'http', status: 422 })
    expect(manager.state).toBe('ended')
    expect(errors).toEqual([{ code: 'http', status: 422, retryable: false }])
    expect(widget.gen.init).not.toHaveBeenCalled()
  })
})
