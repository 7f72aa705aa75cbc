import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unsignedToken } from 'widget-token/testing'
import { launchChromium, type RealBrowser } from './chromium'

// Each adapter's own script tag next to the core's, against a stand-in for the vendor's widget that
// records what it receives through the vendor's documented API.
const LIFETIME_SECONDS = 4

interface Case {
  /** What the page writes to create the adapter (and the source, where it has its own). */
  setup: string
  /** The vendor's global, recording into `window.received`. */
  vendor: string
  /** What the adapter script adds to the WidgetToken global. */
  adds: string[]
  /** Whether the vendor is handed refreshed tokens (push) or asks once here (pull). */
  push: boolean
}

const cases: Record<string, Case> = {
  salesforce: {
    adds: ['salesforceWidget'],
    vendor: `window.embeddedservice_bootstrap = { userVerificationAPI: {
      setIdentityToken: ({ identityToken }) => received.push(identityToken), clearSession() {} } }`,
    setup: `{ endpoint: '/token', widget: WidgetToken.salesforceWidget() }`,
    push: true,
  },
  zendesk: {
    adds: ['zendeskWidget'],
    vendor: `window.zE = (widget, command, jwtCallback) => {
      if (command === 'loginUser') jwtCallback((jwt) => received.push(jwt)) }`,
    setup: `{ endpoint: '/token', widget: WidgetToken.zendeskWidget() }`,
    push: false,
  },
  messenger: {
    adds: ['genesysMessenger', 'authCodeSource'],
    vendor: `window.Genesys = (command, name, register) => {
      if (command !== 'registerPlugin') return
      const commands = {}
      register({ registerCommand: (type, handler) => (commands[type] = handler), subscribe() {},
        // Messenger asks for a code once it has loaded, after the plugin is ready.
        ready: () => setTimeout(() => commands.getAuthCode({ resolve: ({ authCode }) => received.push(authCode), reject() {} })) })
    }`,
    setup: `{ fetchToken: WidgetToken.authCodeSource({ endpoint: '/auth-code' }), widget: WidgetToken.genesysMessenger() }`,
    push: false,
  },
  intercom: {
    adds: ['intercomWidget'],
    vendor: `window.Intercom = (command, settings) => received.push(settings.intercom_user_jwt)`,
    setup: `{ endpoint: '/token', widget: WidgetToken.intercomWidget({ settings: { app_id: 'test-app' } }) }`,
    push: true,
  },
  twilio: {
    adds: ['twilioConversations'],
    vendor: `window.connectTwilio = (token) => {
      received.push(token)
      // A client initialises shortly after it is made, and takes new tokens from then on.
      return { connectionState: 'connected', updateToken: async (next) => received.push(next), removeListener() {}, shutdown() {},
        on() {}, onWithReplay: (event, listener) => event === 'initialized' && setTimeout(listener) } }`,
    setup: `{ endpoint: '/token', widget: WidgetToken.twilioConversations({ connect: window.connectTwilio }) }`,
    push: true,
  },
}

function page(adapter: string, adapterFirst: boolean): string {
  const { vendor, setup } = cases[adapter]!
  const scripts = ['/dist/widget-token.iife.min.js', `/dist/widget-token.${adapter}.iife.min.js`]
  if (adapterFirst) scripts.reverse()
  return `<!doctype html><meta charset="utf-8"><title>${adapter}</title>
<script>window.received = []; ${vendor}</script>
${scripts.map((src) => `<script src="${src}"></script>`).join('\n')}
<script>
  window.manager = WidgetToken.createTokenManager({ ...${setup}, leewaySeconds: 2 })
  window.manager.start()
  dispatchEvent(new Event('onEmbeddedMessagingReady'))
</script>`
}

let server: Server
let origin: string
let browser: RealBrowser
/** Every credential the server issued, in order. */
const issued: string[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url!, origin)
    const send = (type: string, body: string | Buffer) => response.writeHead(200, { 'Content-Type': type }).end(body)
    if (url.pathname === '/') return send('text/html', page(url.searchParams.get('adapter')!, url.searchParams.has('adapter-first')))
    if (url.pathname.startsWith('/dist/')) {
      return void readFile(new URL(`../..${url.pathname}`, import.meta.url)).then(
        (body) => send('text/javascript', body),
        () => response.writeHead(404).end(),
      )
    }
    if (url.pathname === '/token') {
      const token = unsignedToken({ lifetimeSeconds: LIFETIME_SECONDS })
      issued.push(token)
      return send('application/json', JSON.stringify({ token, expiresIn: LIFETIME_SECONDS }))
    }
    if (url.pathname === '/auth-code') {
      const authCode = `code-${issued.length}`
      issued.push(authCode)
      return send('application/json', JSON.stringify({ authCode, redirectUri: `${origin}/callback` }))
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
})

describe('an adapter script tag beside the core one', () => {
  for (const adapter of Object.keys(cases)) {
    it.each([false, true])(`${adapter}: the widget gets its tokens (adapter script first: %s)`, async (adapterFirst) => {
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (error) => errors.push(error.message))
      await tab.goto(`${origin}/?adapter=${adapter}${adapterFirst ? '&adapter-first' : ''}`)
      const wanted = cases[adapter]!.push ? 2 : 1
      await tab.waitForFunction((count) => (window as unknown as { received: string[] }).received.length >= count, wanted, { timeout: 15_000 })
      const received = await tab.evaluate(() => (window as unknown as { received: string[] }).received)
      const globals = await tab.evaluate(() => Object.keys((window as unknown as { WidgetToken: object }).WidgetToken))
      await tab.evaluate(() => (window as unknown as { manager: { stop(): void } }).manager.stop())
      await tab.close()

      expect(errors).toEqual([])
      expect(received.length).toBeGreaterThanOrEqual(wanted)
      for (const credential of received) expect(issued).toContain(credential)
      expect(new Set(received).size).toBe(received.length)
      expect(globals).toEqual(expect.arrayContaining(['createTokenManager', 'genWidget', ...cases[adapter]!.adds]))
    })
  }
})
