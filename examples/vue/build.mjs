// Bundles the Vue example with its rollup config; run after `npm run build`.
import { rollup } from 'rollup'
import config from './rollup.config.mjs'

export async function buildVueExample() {
  const bundle = await rollup(config)
  await bundle.write(config.output)
  await bundle.close()
}

if (import.meta.url === `file://${process.argv[1]}`) await buildVueExample()
