// Takes a real screenshot of a signed-in example page in Chromium: how examples/demo.png is made.
//   node examples/screenshot.mjs [--path /spa/] [--width 390] [--wait 12] [--drop] [--out examples/demo.png]
// Needs `npm run build` (and the app builds for /spa/ and /vue/) and Chromium (CHROMIUM_PATH).
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { createBackend } from './backend/server.mjs'

const { values: options } = parseArgs({
  options: {
    path: { type: 'string', default: '/' },
    width: { type: 'string', default: '1000' },
    height: { type: 'string', default: '900' },
    out: { type: 'string', default: 'examples/demo.png' },
    // Seconds to let the page run first, so the log shows refreshes.
    wait: { type: 'string', default: '12' },
    // Then drop the widget's session and let it come back, so the log shows the recovery.
    drop: { type: 'boolean', default: false },
  },
})

const backend = await createBackend({ ttlSeconds: 30, leewaySeconds: 10 })
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})
try {
  const page = await browser.newPage({ viewport: { width: Number(options.width), height: Number(options.height) } })
  await page.goto(`${backend.url}${options.path}`)
  await page.fill('input[name=name]', 'Ada')
  await page.click('button')
  await page.waitForFunction(() => window.gen?.status().connected === true, undefined, { timeout: 20_000 })
  await page.waitForTimeout(Number(options.wait) * 1000)
  if (options.drop) {
    await page.click('#disconnect')
    await page.waitForFunction(() => window.gen.status().connected && document.getElementById('state').textContent === 'active', undefined, { timeout: 10_000 })
  }
  await page.screenshot({ path: options.out, fullPage: true })
  console.log(`${options.out}: ${options.path} at ${options.width} px`)
} finally {
  await browser.close()
  await backend.close()
}
