import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, release, type } from 'node:os'
import { it } from 'vitest'
import { requestsPerCycleInChromium, startToInitCost } from './chromium-cost'
import { refreshCycleCost } from './cycle'
import { idleCosts } from './idle'
import { requestsForDisconnectBurst, requestsInSteadyState } from './simulate'
import { compareSizes, sizeChart } from './sizes'

interface Row {
  measure: string
  subject: string
  figure: string
}

const TAB_COUNTS = [1, 3, 10]
// Ignored by git: a bench run on any machine leaves the checkout as it was.
const OUT = 'test/bench/out'
const CHART = `${OUT}/size-comparison.svg`
const RESULTS = `${OUT}/bench-results.json`

it('compares widget-token with the libraries users would pick instead', async () => {
  const machine = { os: `${type()} ${release()}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version }
  const rows: Row[] = []
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine }
  const add = (measure: string, subject: string, figure: string) => rows.push({ measure, subject, figure })

  const sizes = await compareSizes()
  results.sizes = sizes
  for (const size of sizes) add('bundle bytes (min / gzip / brotli)', size.library, `${size.min} / ${size.gzip} / ${size.brotli}`)
  mkdirSync(OUT, { recursive: true })
  writeFileSync(CHART, sizeChart(sizes))

  const idle = await idleCosts()
  results.idlePerHour = idle
  for (const [library, cost] of Object.entries(idle)) {
    add('timer wake-ups per idle hour (30-min token, fake time, 24 h)', library, cost.wakeUpsPerHour.toFixed(1))
    add('token requests per idle hour (30-min token)', library, cost.requestsPerHour.toFixed(2))
  }

  const tabs: Record<string, unknown> = {}
  for (const count of TAB_COUNTS) {
    for (const share of [true, false]) {
      const cost = await requestsInSteadyState(count, share)
      tabs[`${count} tabs, ${share ? 'shared' : 'tabs: false'}`] = cost
      const subject = `${count} tab${count > 1 ? 's' : ''}, ${share ? 'sharing (default)' : 'tabs: false'}`
      add('token requests per refresh cycle, steady state (per 10-min lifetime)', subject, `${cost.perCycle.toFixed(2)} (${cost.perLifetime.toFixed(2)})`)
      add('wake-ups per refresh cycle, all tabs (timers and channel messages)', subject, cost.wakeUpsPerCycle.toFixed(2))
    }
  }
  results.requestsInSteadyState = tabs

  const burst = await requestsForDisconnectBurst(100)
  results.requestsForBurstOf100Disconnects = burst
  add('token requests for 100 disconnects at once', 'widget-token', String(burst))

  const cycle = await refreshCycleCost()
  results.refreshCycle = cycle
  add('refresh cycle: fetch mock → validate → hand over → plan (Node)', 'widget-token', `${cycle.microsPerCycle.toFixed(1)} µs per cycle (median of ${cycle.batches} batches, ${cycle.cycles} cycles)`)

  const start = await startToInitCost()
  results.startToInit = start
  add('start() → widget init, beyond the network (Chromium)', 'widget-token', typeof start === 'string' ? start : `${start.microsPerStart.toFixed(1)} µs per start (${start.starts} starts timed in batches)`)

  const chromium = await requestsPerCycleInChromium(TAB_COUNTS)
  results.requestsPerCycleInChromium = chromium
  if (typeof chromium === 'string') add('token requests per refresh cycle (Chromium, example portal)', 'widget-token', chromium)
  else for (const [count, perCycle] of Object.entries(chromium)) add('token requests per refresh cycle (Chromium, example portal, 8-s token)', `${count} tab${count === '1' ? '' : 's'}, sharing (default)`, perCycle.toFixed(2))

  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`npm run bench · ${results.date} · ${machine.os} · ${machine.cpu} (${machine.cores} cores) · Node ${machine.node}`)
  console.table(rows)
  console.log(`figures: ${RESULTS}; chart: ${CHART}`)
})
