import { fileURLToPath } from 'node:url'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'

// The app imports 'widget-token' as any app would; here that is this repository's own ESM build.
const builds = {
  'widget-token': fileURLToPath(new URL('../../dist/index.js', import.meta.url)),
  'widget-token/tabs': fileURLToPath(new URL('../../dist/tabs.js', import.meta.url)),
}

export default {
  input: fileURLToPath(new URL('src/main.js', import.meta.url)),
  plugins: [
    { name: 'widget-token', resolveId: (id) => builds[id] ?? null },
    nodeResolve({ browser: true }),
    terser(),
  ],
  output: { file: fileURLToPath(new URL('dist/app.js', import.meta.url)), format: 'es', sourcemap: true },
}
