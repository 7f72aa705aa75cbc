// `npm run demo:injection`: the simulation, the worker, the portal backend and the page, on loopback.
import { startInjectionDemo } from './demo-server'

const demo = await startInjectionDemo({ port: Number(process.env['PORT'] ?? 3100), print: (line) => console.log(line) })
console.log(`
  Two-phase data injection demo:  ${demo.url}
  Portal backend (token issuer):  ${demo.portalUrl}
  Platform API simulation:        ${demo.simulation.url}

  Start a chat as a customer: the token carries only a reference, the worker hears the new
  conversation, looks the profile up and writes it onto the conversation once. Ctrl-C stops the demo.
`)

const stop = async () => {
  await demo.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
