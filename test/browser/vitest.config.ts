import { defineConfig } from 'vitest/config'

// Real Chromium, real time: tabs are hidden, frozen and throttled for real. Run with `npm run test:browser`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
