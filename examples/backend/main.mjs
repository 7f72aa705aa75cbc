// Starts the example backend from the command line; settings come from the environment.
import { createBackend } from './server.mjs'

const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback)

export async function startFromEnvironment(overrides = {}) {
  return createBackend({
    port: number('PORT', 3000),
    ttlSeconds: number('TOKEN_TTL_SECONDS', 90),
    leewaySeconds: number('LEEWAY_SECONDS', 20),
    organizationId: process.env.ORGANIZATION_ID,
    log: (line) => console.log(line),
    ...overrides,
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = await startFromEnvironment()
  console.log(`Example portal: ${backend.url}/`)
}
