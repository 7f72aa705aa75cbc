// `npm run demo`: builds what changed (the SDK, the example apps), starts the example backend and prints where to look.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--examples'], { stdio: 'inherit' })

const { readEnvironment, startFromEnvironment } = await import('./backend/main.mjs')
const settings = readEnvironment()

let backend
try {
  backend = await startFromEnvironment()
} catch (error) {
  if (error.code !== 'EADDRINUSE') throw error
  backend = await startFromEnvironment({ port: 0 })
}

console.log(`
  Example portal (script tag):  ${backend.url}/
  Example SPA (React, ESM):     ${backend.url}/spa/
  Example Vue app (ESM):        ${backend.url}/vue/

  Sign in, then watch the state panel, the widget and the event log: tokens live
  ${settings.TOKEN_TTL_SECONDS} s and are replaced ${settings.LEEWAY_SECONDS} s before they expire, without a reload.
  The buttons drop the widget's session, expire its token and take the page offline.
  Shorter or longer tokens: TOKEN_TTL_SECONDS=30 LEEWAY_SECONDS=10 npm run demo
  Ctrl-C stops the demo.
`)

const stop = async () => {
  await backend.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
