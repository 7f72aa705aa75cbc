// `npm run demo:injection`: the Platform API simulation, the worker, the example portal backend that
// issues the widget's token, and a page that starts chats and shows what reached each conversation.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { decodeJwt } from 'jose'
import { createBackend } from '../backend/server.mjs'
import { createCorrelation, REFERENCE_CLAIM } from './correlation'
import { createMemoryCrm, type CustomerProfile } from './crm'
import { demoPage, demoScript } from './page'
import { createPlatformSimulation } from './simulation'
import { createMemoryStore } from './store'
import { createInjectionWorker } from './worker'

const QUEUE_ID = 'b7a3c1de-0000-4000-8000-00000000de70'
const CLIENT = { clientId: 'demo-injection-worker', clientSecret: randomBytes(16).toString('hex') }
const customers: CustomerProfile[] = [
  { customerId: 'cust-1001', displayName: 'Ada Lovelace', email: 'ada@example.test', tier: 'premium', preferredLanguage: 'en-GB', accountNumber: 'GB29NWBK60161331926819', history: 'Long-standing customer. '.repeat(4000) },
  { customerId: 'cust-1002', displayName: 'Alan Turing', email: 'alan@example.test', tier: 'standard', preferredLanguage: 'en-US', accountNumber: 'GB94BARC10201530093459', history: '' },
]

const sim = await createPlatformSimulation({ ...CLIENT, heartbeatIntervalMs: 10_000 })
const store = createMemoryStore()
// The portal's sessions are the example backend's: a reference resolves while its session lives.
const correlation = createCorrelation({ store, sessions: { customerIdFor: (handle) => portal.customerIdFor(handle) } })
const portal = await createBackend({
  clock: false,
  // The demo's sign-in knows the two CRM customers by name.
  identify: (name) => customers.find((customer) => customer.displayName === name)?.customerId ?? `customer-${randomBytes(8).toString('hex')}`,
  claimsFor: async ({ handle }) => ({ routing: { queueId: QUEUE_ID, language: 'en-US' }, ...(await correlation.correlationClaims(handle)) }),
  log: (line) => console.log(`  [portal] ${line}`),
})
const worker = createInjectionWorker({
  ...CLIENT,
  gateway: sim.gateway,
  queueIds: [QUEUE_ID],
  store,
  crm: createMemoryCrm(customers),
  correlation,
  log: (line) => console.log(`  [worker] ${line}`),
})
await worker.start()

const app = new Hono()
app.use('*', async (c, next) => {
  await next()
  c.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'")
  c.header('Referrer-Policy', 'strict-origin-when-cross-origin')
})
app.get('/', (c) => c.html(demoPage(customers.map(({ customerId, displayName }) => ({ customerId, displayName })))))
app.get('/favicon.ico', (c) => c.body(null, 204))
app.get('/demo.js', (c) => c.body(demoScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))

// What the portal page and the widget do together: sign in, get the widget's token from the portal
// backend, and start a conversation with the token's reference on the customer.
app.post('/demo/chat', async (c) => {
  const { customerId } = (await c.req.json()) as { customerId?: string }
  const customer = customers.find((candidate) => candidate.customerId === customerId)
  if (!customer) return c.json({ error: 'unknown customer' }, 400)
  const token = await portalToken(customer.displayName)
  const claims = decodeJwt(token)
  const conversation = sim.startConversation({ queueId: QUEUE_ID, customerAttributes: { [REFERENCE_CLAIM]: String(claims[REFERENCE_CLAIM]) } })
  return c.json({ conversationId: conversation.id, tokenBytes: Buffer.byteLength(token), tokenClaims: claims, profileBytes: Buffer.byteLength(JSON.stringify(customer)) })
})

/** Signs in to the portal backend as `name` and asks its token endpoint, as the portal page does. */
async function portalToken(name: string): Promise<string> {
  const headers = { 'Content-Type': 'application/json', Origin: portal.url }
  const signIn = await fetch(`${portal.url}/login`, { method: 'POST', headers, body: JSON.stringify({ name }) })
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0]
  if (!cookie) throw new Error(`the portal refused the sign-in: ${signIn.status}`)
  const answer = await fetch(`${portal.url}/api/v1/embedded-cx/token`, { method: 'POST', headers: { ...headers, Cookie: cookie }, body: '{}' })
  if (!answer.ok) throw new Error(`the portal refused the token: ${answer.status} ${await answer.text()}`)
  return ((await answer.json()) as { token: string }).token
}

app.get('/demo/conversations/:id', (c) => {
  const conversation = sim.conversations.get(c.req.param('id'))
  if (!conversation) return c.json({ error: 'unknown conversation' }, 404)
  return c.json({
    participantAttributes: conversation.customer.attributes,
    // Secure attributes are for flows, not screens: the page shows which arrived, not their values.
    secureAttributeNames: Object.keys(conversation.secureAttributes),
    patches: sim.patches.filter((patch) => patch.conversationId === conversation.id),
  })
})
app.post('/demo/conversations/:id/redeliver', (c) => {
  sim.redeliver(c.req.param('id'))
  return c.body(null, 204)
})
app.post('/demo/drop-socket', (c) => {
  sim.closeSockets({ warn: true })
  return c.body(null, 204)
})

const requestedPort = Number(process.env['PORT'] ?? 3100)
const page = await listen(requestedPort).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error
  return listen(0)
})
console.log(`
  Two-phase data injection demo:  http://127.0.0.1:${(page.address() as AddressInfo).port}/
  Portal backend (token issuer):  ${portal.url}
  Platform API simulation:        ${sim.url}

  Start a chat as a customer: the token carries only a reference, the worker hears the new
  conversation, looks the profile up and writes it onto the conversation once. Ctrl-C stops the demo.
`)

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(server as Server)) as Server
    server.once('error', reject)
  })
}

const stop = async () => {
  worker.stop()
  page.close()
  await portal.close()
  await sim.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
