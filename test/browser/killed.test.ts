import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const CHROMIUM_MODULE = fileURLToPath(new URL('./chromium.ts', import.meta.url))

// A stand-in for a test worker: launches Chromium as the suite does, opens a page, says so, waits.
const WORKER = `
const { launchChromium } = await import(${JSON.stringify(CHROMIUM_MODULE)})
const browser = await launchChromium()
await (await browser.newPage()).goto('data:text/html,<p>open</p>')
console.log(JSON.stringify({ worker: process.pid, chromium: browser.pid }))
setInterval(() => {}, 60_000)
`

// A stand-in for what starts the worker, under the title it gives: Vitest's own process, or npm, which
// dies of a SIGTERM without passing it on to the script it runs.
const starterScript = (title: string) => `
process.title = ${JSON.stringify(title)}
require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', ${JSON.stringify(WORKER)}], { stdio: 'inherit' })
setInterval(() => {}, 60_000)
`

/** pid → [parent pid, start time], read from /proc. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>()
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      // After the command, which may hold spaces and parentheses: state, ppid, …, starttime (field 22).
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
      table.set(Number(name), [Number(fields[1]), fields[19]!])
    } catch {
      // Gone between the listing and the read.
    }
  }
  return table
}

/** `root` and everything under it, each with its start time, so that a reused pid is not mistaken for it. */
function processTree(root: number): Map<number, string> {
  const table = processTable()
  const tree = new Map<number, string>([[root, table.get(root)?.[1] ?? '']])
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, [parent, started]] of table) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.set(pid, started)
        grew = true
      }
    }
  }
  return tree
}

const stillRunning = (tree: Map<number, string>) => {
  const table = processTable()
  return [...tree].filter(([pid, started]) => table.get(pid)?.[1] === started).map(([pid]) => pid)
}

/** The profile folder a Chromium process was started with: a killed run cannot remove it itself. */
const profileOf = (pid: number) => /--user-data-dir=([^\0]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1]

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('\n')) resolve(output.slice(0, output.indexOf('\n')))
    })
    child.once('exit', (code) => reject(new Error(`the run exited with ${code} before Chromium started`)))
  })
}

describe('a browser run that is killed', () => {
  let run = new Map<number, string>()
  let profile: string | undefined
  afterEach(() => {
    // What a failing test would otherwise leave on a shared machine.
    for (const pid of stillRunning(run)) process.kill(pid, 'SIGKILL')
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  })

  it.each([
    ['the worker that launched Chromium', 'SIGKILL', 'node (vitest)'],
    ['Vitest, above the worker', 'SIGKILL', 'node (vitest)'],
    ['npm, above Vitest', 'SIGTERM', 'npm run test:browser'],
  ] as const)('leaves no Chromium process of its own running when %s gets %s', async (killed, signal, title) => {
    const starter = spawn(process.execPath, ['--eval', starterScript(title)], { stdio: ['ignore', 'pipe', 'inherit'] })
    const { worker, chromium } = JSON.parse(await firstLine(starter)) as { worker: number; chromium: number }
    run = processTree(starter.pid!)
    profile = profileOf(chromium)
    const browser = processTree(chromium)
    // The browser, its zygotes, and the renderer of the open page.
    expect(browser.size).toBeGreaterThanOrEqual(3)

    process.kill(killed.startsWith('the worker') ? worker : starter.pid!, signal)
    const deadline = Date.now() + 5000
    while (stillRunning(browser).length > 0 && Date.now() < deadline) await sleep(100)
    expect(stillRunning(browser)).toEqual([])
  })
})
