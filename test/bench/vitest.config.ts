import { defineConfig } from 'vitest/config'

// `npm run bench`: measurements that print figures; never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench-run.ts'],
    environment: 'happy-dom',
    testTimeout: 900_000,
    fileParallelism: false,
  },
})
