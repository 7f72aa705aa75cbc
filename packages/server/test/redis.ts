import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import Redis from 'ioredis'
import { createMemoryStore, createRedisStore, type Store } from 'widget-token-server'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A client that fails fast while Redis is down instead of queueing commands. */
export function connect(url = REDIS_URL) {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: true })
}

/** Whether Redis answers at REDIS_URL; CI sets REQUIRE_REDIS=1 so a missing server fails instead of skipping. */
export async function redisAvailable(): Promise<boolean> {
  const client = connect()
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return true
  } catch {
    const message = `Redis tests skipped: no Redis server at ${REDIS_URL} (start redis-server or set REDIS_URL)`
    if (process.env.REQUIRE_REDIS === '1') throw new Error(`${message}, but REQUIRE_REDIS=1`)
    console.warn(message)
    return false
  } finally {
    client.disconnect()
  }
}

/** Whether a redis-server binary is on PATH, for the tests that start one of their own. */
export const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/**
 * The stores a store-backed behaviour is tested against: memory always, Redis at REDIS_URL when it
 * answers. Each Redis store gets a prefix of its own; `cleanup` collects its disconnection.
 */
export async function storesToTest(now: () => number, cleanup: Array<() => unknown>): Promise<Array<[string, () => Promise<Store>]>> {
  const stores: Array<[string, () => Promise<Store>]> = [['the memory store', async () => createMemoryStore({ now })]]
  if (!(await redisAvailable())) return stores
  stores.push([
    'Redis',
    async () => {
      const client = connect()
      client.on('error', () => {})
      await client.connect()
      cleanup.push(() => client.disconnect())
      return createRedisStore(client, { prefix: uniquePrefix() })
    },
  ])
  return stores
}

export const uniquePrefix = () => `widget-token-test:${Date.now()}-${Math.random().toString(36).slice(2)}:`

async function freePort() {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A redis-server of the test's own, which it can stop and start again on the same port. */
export async function ownRedisServer() {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    for (let attempt = 0; ; attempt++) {
      // A fresh client per attempt: one that failed keeps reconnecting on its own.
      const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        break
      } catch (error) {
        if (attempt > 200) throw error
        await new Promise((resolve) => setTimeout(resolve, 20))
      } finally {
        probe.disconnect()
      }
    }
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  try {
    await start()
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `redis://127.0.0.1:${port}`, start, stop }
}
