// @vitest-environment node
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../examples/data-injection/store'
import { createCorrelation, createMemorySessions } from '../../examples/data-injection/correlation'
import { createMemoryCrm } from '../../examples/data-injection/crm'
import { createInjectionWorker } from '../../examples/data-injection/worker'
import { retryAfterMs } from '../../examples/data-injection/platform'

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

describe('boundaries', () => {
  it('keeps the Platform SDK out of the browser SDK: neither its sources nor its built bundles mention it', async () => {
    const files = [...(await filesUnder('src')), ...(await filesUnder('dist'))]
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toContain('purecloud-platform-client-v2')
  })

  it('refuses a worker without queues or credentials with a TypeError', () => {
    const store = createMemoryStore()
    const base = { store, crm: createMemoryCrm(), correlation: createCorrelation({ store, sessions: createMemorySessions() }) }
    expect(() => createInjectionWorker({ ...base, clientId: 'id', clientSecret: 'secret', queueIds: [] })).toThrow(TypeError)
    expect(() => createInjectionWorker({ ...base, clientId: '', clientSecret: 'secret', queueIds: ['q'] })).toThrow(TypeError)
  })

  it.each([
    { header: '7', expected: 7000 },
    { header: '0', expected: 0 },
    { header: 'Wed, 25 Nov 2026 20:00:30 GMT', expected: 30_000 },
    { header: undefined, expected: undefined },
    { header: 'soon', expected: undefined },
  ])('reads Retry-After $header as $expected ms', ({ header, expected }) => {
    expect(retryAfterMs(header, Date.parse('2026-11-25T20:00:00Z'))).toBe(expected)
  })
})
