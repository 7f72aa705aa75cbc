import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BackendOptions } from '../../examples/backend/server.mjs'

const script = `
  import { createBackend } from ${JSON.stringify(resolve(fileURLToPath(import.meta.url), '../../../examples/backend/server.mjs'))}
  const backend = await createBackend(JSON.parse(process.argv[1]))
  console.log(backend.url)
  process.stdin.on('end', async () => { await backend.close(); process.exit(0) }).resume()
`

/**
 * The example backend in its own Node process: a test running in happy-dom (whose globals replace
 * Node's Request and Response) talks to it over real HTTP as a page would.
 */
export async function startBackendProcess(options: Omit<BackendOptions, 'now' | 'claimsFor' | 'log' | 'clock' | 'keys'> = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the example backend exited with ${code}`)))
    child.stdout.once('data', (line: Buffer) => resolve(line.toString().trim()))
  })
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.removeAllListeners('exit')
        child.once('exit', () => resolve())
        child.stdin.end()
      }),
  }
}
