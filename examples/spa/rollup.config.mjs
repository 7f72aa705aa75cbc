import { fileURLToPath } from 'node:url'
import commonjs from '@rollup/plugin-commonjs'
import nodeResolve from '@rollup/plugin-node-resolve'
import replace from '@rollup/plugin-replace'
import terser from '@rollup/plugin-terser'

// The app imports 'widget-token' as any app would; here that is this repository's own ESM build.
const builds = Object.fromEntries(
  ['index', 'react'].map((name) => [
    name === 'index' ? 'widget-token' : `widget-token/${name}`,
    fileURLToPath(new URL(`../../dist/${name}.js`, import.meta.url)),
  ]),
)

export default {
  input: fileURLToPath(new URL('src/main.js', import.meta.url)),
  plugins: [
    { name: 'widget-token', resolveId: (id) => builds[id] ?? null },
    // React ships CommonJS that picks its build from NODE_ENV.
    replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('production') } }),
    nodeResolve({ browser: true }),
    commonjs(),
    terser(),
  ],
  output: { file: fileURLToPath(new URL('dist/app.js', import.meta.url)), format: 'es', sourcemap: true },
}
