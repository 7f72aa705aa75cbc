import { defineConfig } from 'vitest/config'

// The unit suite alone: what exercises src/ in memory, without builds, servers or type tests.
export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/*.test.ts', 'test/model/**/*.test.ts'],
    env: { MODEL_RUNS: '10' },
    // These check the built package, not src/ in memory.
    exclude: ['test/package.test.ts', 'test/size.test.ts', 'test/resolution.test.ts'],
    setupFiles: ['test/mutation/setup.ts'],
    // A mutant that leaves a promise hanging fails here, fast, instead of timing out Stryker's worker.
    testTimeout: 2000,
    restoreMocks: true,
    unstubGlobals: true,
  },
})
