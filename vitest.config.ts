import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // Tests import the token service by its package name, as a backend does, but run its source:
    // mutation testing changes the source, not the build.
    alias: { 'widget-token-server': fileURLToPath(new URL('./packages/server/src/index.ts', import.meta.url)) },
  },
  test: {
    environment: 'happy-dom',
    // Many files wait on servers and child processes rather than compute: one worker per core,
    // not Vitest's default of one fewer, keeps both cores busy.
    maxWorkers: availableParallelism(),
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/bench/**', 'node_modules/**'],
    restoreMocks: true,
    // Checks the whole of test/tsconfig.json (tests, helpers, src, the server), not only the type tests.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
    unstubGlobals: true,
  },
})
