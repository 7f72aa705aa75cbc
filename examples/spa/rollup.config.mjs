import { fileURLToPath } from 'node:url'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'

// The app imports 'widget-token' as any app would; here that is this repository's own ESM build.
const sdk = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

export default {
  input: fileURLToPath(new URL('src/main.js', import.meta.url)),
  plugins: [
    { name: 'widget-token', resolveId: (id) => (id === 'widget-token' ? sdk : null) },
    nodeResolve({ browser: true }),
    terser(),
  ],
  output: { file: fileURLToPath(new URL('dist/app.js', import.meta.url)), format: 'es', sourcemap: true },
}
