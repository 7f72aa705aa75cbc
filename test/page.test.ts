import { afterEach, describe, expect, it, vi } from 'vitest'
import { watchPage } from '../src/page'
import { PAGE_RETURNS, setVisibility } from './helpers/setup'

let unsubscribe: () => void = () => {}

afterEach(() => {
  unsubscribe()
})

describe('watchPage', () => {
  it.each(PAGE_RETURNS)('notifies %s', (_, happen, signal) => {
    const notify = vi.fn()
    unsubscribe = watchPage(notify)
    happen()
    expect(notify.mock.calls).toEqual([[signal]])
  })

  it.each([
    ['a tab hidden', () => setVisibility('hidden')],
    ['a first page load', () => window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }))],
    ['the network gone', () => window.dispatchEvent(new Event('offline'))],
  ])('ignores %s', (_, happen) => {
    const notify = vi.fn()
    unsubscribe = watchPage(notify)
    happen()
    expect(notify).not.toHaveBeenCalled()
  })

  it('stops notifying once unsubscribed', () => {
    const notify = vi.fn()
    watchPage(notify)()
    setVisibility('visible')
    window.dispatchEvent(new Event('online'))
    expect(notify).not.toHaveBeenCalled()
  })
})
