// The demo's server half: the Platform API simulation, the worker, the example portal backend that
// issues the widget's token, and the page that starts chats, shows what reached each conversation, and
// logs what each button made the simulation and the worker do.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { decodeJwt } from 'jose'
import { createBackend } from '../backend/server.mjs'
import { createCorrelation, REFERENCE_CLAIM } from './correlation'
import { createActivityFeed, describeOutcome, type ActivityFeed } from './activity'
import { createMemoryCrm, type CustomerProfile } from './crm'
import { demoPage, demoScript } from './page'
import { createPlatformSimulation, type PlatformSimulation } from './simulation'
import { createMemoryStore } from './store'
import { createInjectionWorker } from './worker'

const QUEUE_ID = 'b7a3c1de-0000-4000-8000-00000000de70'
const customers: CustomerProfile[] = [
  { customerId: 'cust-1001', displayName: 'Ada Lovelace', email: 'ada@example.test', tier: 'premium', preferredLanguage: 'en-GB', accountNumber: 'GB29NWBK60161331926819', history: 'Long-standing customer. '.repeat(4000) },
  { customerId: 'cust-1002', displayName: 'Alan Turing', email: 'alan@example.test', tier: 'standard', preferredLanguage: 'en-US', accountNumber: 'GB94BARC10201530093459', history: '' },
]

export interface InjectionDemoOptions {
  /** The page's port; taken, or 0, means any free one. Default 0. */
  port?: number | undefined
  /** Where the worker's and the portal backend's lines go. Default: nowhere. */
  print?: ((line: string) => void) | undefined
}

export interface InjectionDemo {
  /** The page. */
  url: string
  /** The portal backend that issues the widget's token. */
  portalUrl: string
  simulation: PlatformSimulation
  close(): Promise<void>
}

export async function startInjectionDemo({ port = 0, print = () => {} }: InjectionDemoOptions = {}): Promise<InjectionDemo> {
  const client = { clientId: 'demo-injection-worker', clientSecret: randomBytes(16).toString('hex') }
  const sim = await createPlatformSimulation({ ...client, heartbeatIntervalMs: 10_000 })
  const store = createMemoryStore()
  const activity = createActivityFeed()
  // The portal's sessions are the example backend's: a reference resolves while its session lives.
  const correlation = createCorrelation({ store, sessions: { customerIdFor: (handle) => portal.customerIdFor(handle) } })
  const portal = await createBackend({
    clock: false,
    // The demo's sign-in knows the two CRM customers by name.
    identify: (name) => customers.find((customer) => customer.displayName === name)?.customerId ?? `customer-${randomBytes(8).toString('hex')}`,
    claimsFor: async ({ handle }) => ({ routing: { queueId: QUEUE_ID, language: 'en-US' }, ...(await correlation.correlationClaims(handle)) }),
    log: (line) => print(`  [portal] ${line}`),
  })
  const worker = createInjectionWorker({
    ...client,
    gateway: sim.gateway,
    queueIds: [QUEUE_ID],
    store,
    crm: createMemoryCrm(customers),
    correlation,
    log: (line) => {
      print(`  [worker] ${line}`)
      activity.add('worker', line)
    },
    onOutcome: (outcome) => activity.add('outcome', describeOutcome(outcome, patchesOf(sim, outcome.conversationId).length)),
  })
  await worker.start()

  const app = demoApp(sim, portal.url, activity)
  const page = await listen(app, port).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error
    return listen(app, 0)
  })
  return {
    url: `http://127.0.0.1:${(page.address() as AddressInfo).port}/`,
    portalUrl: portal.url,
    simulation: sim,
    async close() {
      worker.stop()
      page.close()
      await portal.close()
      await sim.close()
    },
  }
}

function demoApp(sim: PlatformSimulation, portalUrl: string, activity: ActivityFeed): Hono {
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
    const token = await portalToken(portalUrl, customer.displayName)
    const claims = decodeJwt(token)
    const conversation = sim.startConversation({ queueId: QUEUE_ID, customerAttributes: { [REFERENCE_CLAIM]: String(claims[REFERENCE_CLAIM]) } })
    activity.add('you', `Started conversation ${conversation.id} as ${customer.displayName}, with the token's ${REFERENCE_CLAIM} on the customer`)
    return c.json({ conversationId: conversation.id, tokenBytes: Buffer.byteLength(token), tokenClaims: claims, profileBytes: Buffer.byteLength(JSON.stringify(customer)) })
  })
  app.get('/demo/conversations/:id', (c) => {
    const conversation = sim.conversations.get(c.req.param('id'))
    if (!conversation) return c.json({ error: 'unknown conversation' }, 404)
    return c.json({
      participantAttributes: conversation.customer.attributes,
      // Secure attributes are for flows, not screens: the page shows which arrived, not their values.
      secureAttributeNames: Object.keys(conversation.secureAttributes),
      patches: patchesOf(sim, conversation.id),
    })
  })
  app.post('/demo/conversations/:id/redeliver', (c) => {
    const conversationId = c.req.param('id')
    if (!sim.conversations.has(conversationId)) return c.json({ error: 'unknown conversation' }, 404)
    activity.add('you', `Sent the event of conversation ${conversationId} again, as the service sometimes does`)
    sim.redeliver(conversationId)
    return c.body(null, 204)
  })
  app.post('/demo/drop-socket', (c) => {
    activity.add('you', closingNotice(sim.openSockets()))
    sim.closeSockets({ warn: true })
    return c.body(null, 204)
  })
  app.get('/demo/activity', (c) => c.json({ entries: activity.after(Number(c.req.query('after') ?? 0) || 0) }))
  return app
}

const closingNotice = (open: number) =>
  open === 0 ? 'The service found no open socket of the worker to close' : `The service closed the worker's ${open === 1 ? 'socket' : `${open} sockets`}, after a socket_closing notice`

const patchesOf = (sim: PlatformSimulation, conversationId: string) => sim.patches.filter((patch) => patch.conversationId === conversationId)

/** Signs in to the portal backend as `name` and asks its token endpoint, as the portal page does. */
async function portalToken(portalUrl: string, name: string): Promise<string> {
  const headers = { 'Content-Type': 'application/json', Origin: portalUrl }
  const signIn = await fetch(`${portalUrl}/login`, { method: 'POST', headers, body: JSON.stringify({ name }) })
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0]
  if (!cookie) throw new Error(`the portal refused the sign-in: ${signIn.status}`)
  const answer = await fetch(`${portalUrl}/api/v1/embedded-cx/token`, { method: 'POST', headers: { ...headers, Cookie: cookie }, body: '{}' })
  if (!answer.ok) throw new Error(`the portal refused the token: ${answer.status} ${await answer.text()}`)
  return ((await answer.json()) as { token: string }).token
}

function listen(app: Hono, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(server as Server)) as Server
    server.once('error', reject)
  })
}
