// `npm run docs`, then every page it wrote opened from disk, as the README says to open them.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entries } from '../../scripts/entries.mjs'
import { launchChromium, type RealBrowser } from './chromium'

const out = join(process.cwd(), 'docs/api')

function pagesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return pagesUnder(path)
    return entry.name.endsWith('.html') ? [path] : []
  })
}

describe('the rendered documentation', () => {
  let browser: RealBrowser
  let pages: string[]

  beforeAll(async () => {
    // treatWarningsAsErrors: a warning fails the script, and with it this hook.
    execFileSync('npm', ['run', 'docs', '--silent'], { stdio: 'pipe' })
    pages = pagesUnder(out)
    browser = await launchChromium()
  }, 120_000)
  afterAll(() => browser?.close())

  it('holds the README, every guide and every entry point of both packages', () => {
    const names = pages.map((page) => relative(out, page))
    expect(names).toEqual(expect.arrayContaining(['index.html', 'modules.html', 'documents/docs_server.html', 'documents/docs_troubleshooting.html', 'modules/widget-token.html', 'modules/widget-token-server.html', 'modules/widget-token_salesforce.html', 'modules/widget-token_testing.html']))
  })

  it('opens every page from disk without a console error', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    let current = ''
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${current}: ${message.text()}`)
    })
    page.on('pageerror', (error) => errors.push(`${current}: ${error.message}`))
    page.on('requestfailed', (request) => errors.push(`${current}: ${request.url()} ${request.failure()?.errorText ?? ''}`))
    for (const file of pages) {
      current = relative(out, file)
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
      // The navigation script unpacks its data asynchronously: what fails there fails before it is filled.
      await page.waitForFunction(() => (document.querySelector('#tsd-nav-container')?.children.length ?? 0) > 0)
    }
    await page.close()
    expect(errors).toEqual([])
  }, 300_000)

  it('links only pages that exist on disk', () => {
    const dead: string[] = []
    for (const file of pages) {
      for (const [, href = ''] of readFileSync(file, 'utf8').matchAll(/href="([^"#]+)[^"]*"/g)) {
        if (/^[a-z]+:/i.test(href)) continue
        const target = join(dirname(file), decodeURIComponent(href))
        if (!existsSync(target) || statSync(target).isDirectory()) dead.push(`${relative(out, file)}: ${href}`)
      }
    }
    expect([...new Set(dead)]).toEqual([])
  })

  it('says on the index what each entry point is for', async () => {
    const page = await browser.newPage()
    await page.goto(pathToFileURL(join(out, 'modules.html')).href)
    const summaries = await page.$$eval('dt.tsd-member-summary[id^="widget-token"]', (terms) =>
      terms.map((term) => ({ name: term.textContent?.trim() ?? '', summary: term.nextElementSibling?.textContent?.trim() ?? '' })),
    )
    await page.close()
    expect(summaries.length).toBe(entries.length + 1) // and the token service
    for (const { name, summary } of summaries) expect(summary.length, name).toBeGreaterThan(30)
  })
})
