import { writeFileSync } from 'node:fs'
import { it } from 'vitest'
import { startToInitCost } from './chromium-cost'
import { requestsForDisconnectBurst, requestsPerLifetime, wakeUpsPerIdleHour } from './simulate'
import { compareSizes, sizeChart } from './sizes'

// Documented refresh strategies of the peers, per idle hour:
// - @supabase/auth-js: auto-refresh ticks every AUTO_REFRESH_TICK_DURATION_MS = 30 s (src/lib/constants.ts) → 120.
// - oidc-client-ts: its Timer polls every 5 s while an expiry is pending (src/utils/Timer.ts) → 720.
const PEER_WAKE_UPS = { '@supabase/auth-js': 120, 'oidc-client-ts': 720 }

interface Row {
  measure: string
  subject: string
  figure: string
}

it('compares widget-token with the libraries users would pick instead', async () => {
  const rows: Row[] = []
  const results: Record<string, unknown> = {}

  const sizes = await compareSizes()
  results.sizes = sizes
  for (const size of sizes) rows.push({ measure: 'bundle bytes (min / gzip / brotli)', subject: size.library, figure: `${size.min} / ${size.gzip} / ${size.brotli}` })
  writeFileSync('test/bench/size-comparison.svg', sizeChart(sizes))

  const wakeUps = await wakeUpsPerIdleHour()
  results.wakeUpsPerIdleHour = { 'widget-token': wakeUps, ...PEER_WAKE_UPS }
  rows.push({ measure: 'timer wake-ups per idle hour (30-min token)', subject: 'widget-token', figure: String(wakeUps) })
  for (const [peer, count] of Object.entries(PEER_WAKE_UPS)) rows.push({ measure: 'timer wake-ups per idle hour (30-min token)', subject: `${peer} (documented)`, figure: String(count) })

  const perLifetime: Record<string, number> = {}
  for (const tabs of [1, 3, 10]) {
    for (const share of [true, false]) {
      const requests = await requestsPerLifetime(tabs, share)
      perLifetime[`${tabs} tabs${share ? ', shared' : ', alone'}`] = requests
      rows.push({ measure: 'token requests per token lifetime', subject: `${tabs} tab${tabs > 1 ? 's' : ''}, ${share ? 'tabs: shareAcrossTabs()' : 'each tab alone'}`, figure: requests.toFixed(2) })
    }
  }
  const burst = await requestsForDisconnectBurst(100)
  results.requestsPerLifetime = perLifetime
  results.requestsForBurstOf100Disconnects = burst
  rows.push({ measure: 'token requests for 100 disconnects at once', subject: 'widget-token', figure: String(burst) })

  const cost = await startToInitCost()
  results.startToInit = cost
  rows.push({
    measure: 'start() → widget init, beyond the network (Chromium)',
    subject: 'widget-token',
    figure: typeof cost === 'string' ? cost : `median ${cost.medianMs.toFixed(2)} ms, p95 ${cost.p95Ms.toFixed(2)} ms over ${cost.runs} runs`,
  })

  writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`)
  console.table(rows)
})
