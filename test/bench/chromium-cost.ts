import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CHROMIUM, launchChromium } from '../browser/chromium'

// npm runs the bench from the repository root.
const root = `${process.cwd()}/`
const RUNS = 300

export interface Cost {
  medianMs: number
  p95Ms: number
  runs: number
}

/**
 * The SDK's own time from `start()` to the widget's `init`, in Chromium, with a token source that
 * answers at once: decoding, validating, planning and handing over, without the network.
 */
export async function startToInitCost(): Promise<Cost | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`
  const sdk = readFileSync(`${root}dist/widget-token.iife.min.js`)
  const server = createServer((request, response) => {
    if (request.url === '/sdk.js') return response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(sdk)
    response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script src="/sdk.js"></script>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const samples = await page.evaluate(async (runs) => {
      const { createTokenManager, genWidget } = (window as unknown as { WidgetToken: typeof import('../../src') }).WidgetToken
      const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      const iat = Math.floor(Date.now() / 1000)
      const token = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ aud: 'org', iat, exp: iat + 1800, sub: 'visitor' })}.c2ln`
      const durations: number[] = []
      for (let run = 0; run < runs; run++) {
        let initAt = 0
        const gen = { init: () => (initAt = performance.now()), on: () => {} }
        const manager = createTokenManager({ fetchToken: async () => ({ token, expiresIn: 1800 }), widget: genWidget({ config: { organization: { id: 'org' } }, gen }) })
        const startedAt = performance.now()
        await manager.start()
        durations.push(initAt - startedAt)
        manager.stop()
      }
      return durations
    }, RUNS)
    samples.sort((a, b) => a - b)
    const at = (quantile: number) => samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))]!
    return { medianMs: at(0.5), p95Ms: at(0.95), runs: samples.length }
  } finally {
    await browser.close()
    server.close()
  }
}
