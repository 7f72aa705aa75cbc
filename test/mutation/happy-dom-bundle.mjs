import { buildSync } from 'esbuild'
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

// Under node_modules, so that Vitest imports it natively instead of transforming 2 MB of code;
// happy-dom-environment.ts loads it from there.
const HAPPY_DOM_BUNDLE = fileURLToPath(new URL('../../node_modules/.cache/mutation/happy-dom.mjs', import.meta.url))

/** Bundles the installed happy-dom into one file, again whenever the installed one is newer. */
export function bundleHappyDom() {
  const entry = createRequire(import.meta.url).resolve('happy-dom')
  if (existsSync(HAPPY_DOM_BUNDLE) && statSync(HAPPY_DOM_BUNDLE).mtimeMs > statSync(entry).mtimeMs) return
  buildSync({
    entryPoints: [entry],
    outfile: HAPPY_DOM_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    // happy-dom's few CommonJS dependencies call require().
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  })
}
