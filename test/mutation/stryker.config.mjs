// `npm run mutate`: mutation testing of the core and the adapters. A surviving mutant is a missing test or dead code;
// the ones judged equivalent are listed in test/mutation/README.md.
import { bundleHappyDom } from './happy-dom-bundle.mjs'

bundleHappyDom()

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/manager.ts',
    'src/session.ts',
    'src/handover.ts',
    'src/schedule.ts',
    'src/policy.ts',
    'src/source.ts',
    'src/token.ts',
    'src/tabs.ts',
    'src/clock.ts',
    'src/errors.ts',
    'src/adapters/**/*.ts',
    'packages/server/src/*.ts',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'test-results/stryker-incremental.json',
  concurrency: 2,
  // Longer than the suite's own test timeout, so that a hanging test fails inside the worker rather
  // than costing a worker restart.
  timeoutMS: 5000,
  timeoutFactor: 1.5,
  reporters: ['clear-text', 'progress'],
  clearTextReporter: { allowEmojis: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: 'test-results/stryker-tmp',
  cleanTempDir: 'always',
}
