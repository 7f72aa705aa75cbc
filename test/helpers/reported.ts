import { afterEach, beforeEach, expect, vi } from 'vitest'

/**
 * Fails each test of the file in which an adapter threw where the manager isolates it (a teardown,
 * `ended`): the manager reports such errors with `reportError` and carries on, so nothing else
 * would show them.
 */
export function failOnReportedErrors(): void {
  const reported: unknown[] = []
  beforeEach(() => {
    reported.length = 0
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error))
  })
  afterEach(() => {
    expect(reported).toEqual([])
  })
}
