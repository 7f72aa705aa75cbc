import { defineConfig } from 'vitest/config'

// `npm run bench`: measurements that print figures; never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench-run.ts'],
    // Node: the example backend the Chromium measures start reads its files from file: URLs.
    environment: 'node',
    testTimeout: 900_000,
    fileParallelism: false,
  },
})
