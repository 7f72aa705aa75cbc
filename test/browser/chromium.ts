import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface RealBrowser {
  browser: Browser
  /** The browser process: its renderers and helpers are its descendants. */
  pid: number
  /** The default context: pages here are hidden, frozen and throttled as in a real browser. */
  context: BrowserContext
  newPage(): Promise<Page>
  /** Sets a page's lifecycle state through the DevTools protocol: `frozen` stops its timers. */
  setLifecycle(page: Page, state: 'frozen' | 'active'): Promise<void>
  /** Minimises or restores the window, hiding or showing every page in it. */
  setWindow(page: Page, state: 'minimized' | 'normal'): Promise<void>
  close(): Promise<void>
}

/**
 * Starts Chromium itself and attaches over CDP. Playwright's own launch emulates focus for every
 * page, so pages never become hidden; a self-started browser hides, throttles and freezes them.
 */
export async function launchChromium(): Promise<RealBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'widget-token-chromium-'))
  const process_ = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      // Chromium reads DevTools messages from fd 3 and quits when that pipe closes, as it does the moment
      // this process dies, however it is killed: no Chromium outlives a killed run. Nothing is ever sent
      // there; Playwright talks to the port.
      '--remote-debugging-pipe',
      'about:blank',
    ],
    // Its own process group, so closing takes the renderer and helper processes with it.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  )
  const stopWatching = endWithTheRun(process_.pid!, profile)
  const endpoint = await devToolsEndpoint(process_).catch((error: unknown) => {
    stopWatching()
    throw error
  })
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true })
  const context = browser.contexts()[0]!

  return {
    browser,
    pid: process_.pid!,
    context,
    newPage: () => context.newPage(),
    async setLifecycle(page, state) {
      const session = await context.newCDPSession(page)
      await session.send('Page.setWebLifecycleState', { state })
      await session.detach()
    },
    async setWindow(page, state) {
      const session = await context.newCDPSession(page)
      const { windowId } = (await session.send('Browser.getWindowForTarget')) as { windowId: number }
      await session.send('Browser.setWindowBounds', { windowId, bounds: { windowState: state } })
      await session.detach()
    },
    async close() {
      stopWatching()
      await browser.close().catch(() => {})
      const exited = new Promise((resolve) => process_.once('exit', resolve))
      if (process_.exitCode === null) process.kill(-process_.pid!, 'SIGKILL')
      await exited
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    },
  }
}

function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${output}`)), 20_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!.replace(/^ws:\/\/([^/]+)\/.*$/, 'http://$1'))
      }
    })
    child.on('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${output}`)))
  })
}

interface ProcessEntry {
  parent: number
  /** Since boot, in clock ticks: a pid used again by another process has another. */
  started: string
  /** Its command line, or the title it gave itself (npm calls itself `npm run <script>`). */
  title: string
}

/** A process as /proc shows it, or undefined once it is gone. */
export function processEntry(pid: number): ProcessEntry | undefined {
  try {
    // After the command, which may hold spaces and parentheses: state, ppid, …, starttime (field 22).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return { parent: Number(fields[1]), started: fields[19]!, title: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') }
  } catch {
    return undefined
  }
}

/**
 * The processes this run hangs from, nearest first: up to the npm that started it, else only the
 * parent (Vitest's own process, when this is its worker).
 */
function runAncestry(): Array<{ pid: number; started: string }> {
  const chain: Array<{ pid: number; started: string }> = []
  for (let pid = process.ppid, entry = processEntry(pid); entry && pid > 1; pid = entry.parent, entry = processEntry(pid)) {
    chain.push({ pid, started: entry.started })
    if (/^npm /.test(entry.title)) return chain
  }
  return chain.slice(0, 1)
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}

/**
 * npm passes no SIGTERM on to the script it runs, and Vitest's worker outlives a killed Vitest until it
 * next talks to it: the run watches what it hangs from, and when one of them is gone it kills the
 * browser and its profile, then ends itself and whatever stood between it and the one that went.
 */
function endWithTheRun(browserGroup: number, profile: string): () => void {
  const chain = runAncestry()
  const watch = setInterval(() => {
    const lost = chain.map(({ pid, started }) => processEntry(pid)?.started === started).lastIndexOf(false)
    if (lost < 0) return
    clearInterval(watch)
    send(-browserGroup, 'SIGKILL')
    rmSync(profile, { recursive: true, force: true })
    for (const { pid } of chain.slice(0, lost)) send(pid, 'SIGTERM')
    send(process.pid, 'SIGTERM')
  }, 500)
  watch.unref()
  return () => clearInterval(watch)
}
