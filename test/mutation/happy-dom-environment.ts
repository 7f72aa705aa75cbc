import type { Environment } from 'vitest/runtime'
import { populateGlobal } from 'vitest/runtime'

// Built by happy-dom-bundle.mjs when Stryker starts.
const HAPPY_DOM_BUNDLE = new URL('../../node_modules/.cache/mutation/happy-dom.mjs', import.meta.url).href

/**
 * Vitest's own happy-dom environment, loading happy-dom from one pre-built file. Stryker starts a
 * fresh test worker for every mutant, and importing happy-dom's several hundred modules costs about
 * half a second each time; one bundled file loads in a fraction of that.
 */
export default {
  name: 'happy-dom',
  viteEnvironment: 'client',
  async setup(global: typeof globalThis) {
    const { GlobalWindow } = (await import(/* @vite-ignore */ HAPPY_DOM_BUNDLE)) as typeof import('happy-dom')
    const win = new GlobalWindow({ console: global.console, url: 'http://localhost:3000', settings: { disableErrorCapturing: true } })
    const { keys, originals } = populateGlobal(global, win, {
      bindFunctions: true,
      additionalKeys: ['Request', 'Response', 'MessagePort', 'fetch', 'Headers', 'AbortController', 'AbortSignal', 'URL', 'URLSearchParams', 'FormData'],
    })
    return {
      async teardown(global: Record<string | symbol, unknown>) {
        await win.happyDOM.abort()
        win.close()
        for (const key of keys) delete global[key]
        originals.forEach((value, key) => (global[key] = value))
      },
    }
  },
} satisfies Environment
