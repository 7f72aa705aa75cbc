// `npm run demo`: bundles the SPA, starts the example backend and prints where to look.
import { startFromEnvironment } from './backend/main.mjs'
import { buildSpa } from './spa/build.mjs'

await buildSpa()

let backend
try {
  backend = await startFromEnvironment()
} catch (error) {
  if (error.code !== 'EADDRINUSE') throw error
  backend = await startFromEnvironment({ port: 0 })
}

console.log(`
  Example portal (script tag):  ${backend.url}/
  Example SPA (ESM bundle):     ${backend.url}/spa/

  Sign in, then watch the widget panel and the event log: tokens live 90 s and are
  replaced 20 s before they expire, without a reload. Ctrl-C stops the demo.
`)

const stop = async () => {
  await backend.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
