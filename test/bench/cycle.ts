import { createTokenManager, genWidget, type GenApi } from '../../src'
import { jwt, ORG_ID } from '../helpers/jwt'
import { ENDPOINT, genConfig } from '../helpers/setup'

export interface CycleCost {
  /** Median over the batches of the mean time per refresh cycle. */
  microsPerCycle: number
  cycles: number
  batches: number
}

/**
 * The SDK's own work per refresh in Node: a `fetch` that answers at once → parse and validate the
 * token → hand it to the widget → plan the next refresh and emit `token`. One cycle is far below the
 * clock's resolution, so batches of many are timed together.
 */
export async function refreshCycleCost({ batches = 7, perBatch = 5000, warmUp = 2000 } = {}): Promise<CycleCost> {
  const iat = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({ token: jwt({ aud: ORG_ID, sub: 'visitor-1', iat, exp: iat + 1800 }), expiresIn: 1800 })
  const fetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
  const gen: GenApi = { init() {}, updateConfiguration() {}, on() {} }
  const manager = createTokenManager({ endpoint: ENDPOINT, fetch, tabs: false, widget: genWidget({ config: genConfig, gen }) })
  await manager.start()
  try {
    for (let i = 0; i < warmUp; i++) await manager.refresh()
    const means: number[] = []
    for (let batch = 0; batch < batches; batch++) {
      const startedAt = performance.now()
      for (let i = 0; i < perBatch; i++) await manager.refresh()
      means.push(((performance.now() - startedAt) * 1000) / perBatch)
    }
    means.sort((a, b) => a - b)
    return { microsPerCycle: means[Math.floor(means.length / 2)]!, cycles: batches * perBatch, batches }
  } finally {
    manager.stop()
  }
}
