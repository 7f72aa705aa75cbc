import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The unit suite alone: what exercises src/ in memory, without builds, servers or type tests.
export default defineConfig({
  resolve: {
    alias: { 'widget-token-server': fileURLToPath(new URL('../../packages/server/src/index.ts', import.meta.url)) },
  },
  test: {
    // happy-dom as in the main suite, loaded from one bundled file (see happy-dom-environment.ts).
    environment: './test/mutation/happy-dom-environment.ts',
    include: ['test/*.test.ts', 'test/manager/*.test.ts', 'test/adapters/*.test.ts', 'test/model/**/*.test.ts', 'test/contract/*.test.ts', 'packages/server/test/*.test.ts'],
    env: { MODEL_RUNS: '10' },
    // These check the built package, not src/ in memory; the server's mounts, scale-out and Redis
    // client tests start HTTP servers or redis-server processes (the shared key ring and the stores'
    // contract run against the memory store in the others).
    exclude: [
      'test/package.test.ts',
      'test/size.test.ts',
      'test/resolution.test.ts',
      'packages/server/test/bundle.test.ts',
      'packages/server/test/mounts.test.ts',
      'packages/server/test/scale.test.ts',
      'packages/server/test/redis-client.test.ts',
    ],
    setupFiles: ['test/mutation/setup.ts'],
    // Stryker starts a new test worker for every mutant; sharing one module graph and one page
    // between the test files of that run, instead of building both again for each file, makes a
    // mutant's run about three times faster. Each run still starts from a fresh worker.
    isolate: false,
    // A mutant that leaves a promise hanging fails here, fast, instead of timing out Stryker's worker.
    testTimeout: 2000,
    restoreMocks: true,
    unstubGlobals: true,
  },
})
