import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openSignedIn, tokens, useChromiumAndPortal, waitForEvents } from './harness'

const shared = useChromiumAndPortal()

/** Everything a token could leak into, as the browser saw it. */
function watch(page: Page) {
  const issued: string[] = []
  const seen: string[] = []
  page.on('console', (message) => seen.push(`console: ${message.text()}`))
  page.on('request', (request) => seen.push(`url: ${request.url()}`, `referer: ${request.headers().referer ?? ''}`))
  page.on('response', async (response) => {
    if (response.url().includes('/api/v1/embedded-cx/token')) issued.push(((await response.json()) as { token: string }).token)
  })
  return { issued, seen }
}

describe('where the token never goes', () => {
  it.each(['/', '/spa/', '/vue/'])('%s keeps it out of URLs, cookies, storage, the console and Referer headers', async (path) => {
    let recorded!: ReturnType<typeof watch>
    const watched = await openSignedIn(shared.browser, shared.portal, path, (page) => {
      recorded = watch(page)
    })
    await watched.evaluate(() => console.info('page ready'))
    await waitForEvents(watched, (events) => tokens(events).length >= 3, 30_000)
    // A navigation away sends a Referer, the place URLs leak through.
    await watched.evaluate(() => {
      const image = new Image()
      image.src = '/favicon.ico?probe'
      document.body.append(image)
    })
    await watched.waitForTimeout(500)
    const state = await watched.evaluate(() => ({
      url: location.href,
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      history: history.length,
    }))

    expect(recorded.issued.length).toBeGreaterThanOrEqual(2)
    expect(recorded.seen.some((line) => line.startsWith('console: page ready'))).toBe(true)
    expect(recorded.seen.some((line) => line.startsWith('referer: http'))).toBe(true)
    const everything = [...recorded.seen, JSON.stringify(state)].join('\n')
    for (const token of recorded.issued) expect(everything).not.toContain(token)
    await watched.close()
  })
})
