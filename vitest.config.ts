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
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/bench/**', 'node_modules/**'],
    restoreMocks: true,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
    unstubGlobals: true,
  },
})
