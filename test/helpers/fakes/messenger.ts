/**
 * Genesys Cloud Web Messenger's AuthProvider plugin contract, after
 * https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/messengerauthprovider :
 * the page registers a plugin named AuthProvider with `Genesys('registerPlugin', ...)`, registers
 * the `getAuthCode` and `reAuthenticate` commands, subscribes to `Auth.authError`/`Auth.tokenError`
 * and calls `ready()`; the Messenger then runs `getAuthCode` when it signs the visitor in.
 */
export function createFakeMessenger() {
  const commands = new Map<string, (event: { resolve(value?: unknown): void; reject(error?: unknown): void }) => void>()
  const subscriptions = new Map<string, (data?: unknown) => void>()
  const calls: unknown[][] = []
  let ready = false
  const Genesys = (command: string, ...args: unknown[]) => {
    calls.push([command, ...args])
    if (command === 'registerPlugin') {
      const setup = args[1] as (plugin: unknown) => void
      setup({
        registerCommand: (name: string, handler: (event: { resolve(value?: unknown): void; reject(error?: unknown): void }) => void) => commands.set(name, handler),
        subscribe: (event: string, handler: (data?: unknown) => void) => subscriptions.set(event, handler),
        ready: () => (ready = true),
      })
    }
  }
  const run = (name: string) =>
    new Promise((resolve, reject) => {
      commands.get(name)!({ resolve, reject })
    })
  return {
    Genesys,
    calls,
    get ready() {
      return ready
    },
    getAuthCode: () => run('getAuthCode'),
    reAuthenticate: () => run('reAuthenticate'),
    publish: (event: string, data?: unknown) => subscriptions.get(event)?.(data),
  }
}
