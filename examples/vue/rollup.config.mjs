import { fileURLToPath } from 'node:url'
import nodeResolve from '@rollup/plugin-node-resolve'
import replace from '@rollup/plugin-replace'
import terser from '@rollup/plugin-terser'

// The app imports 'widget-token' as any app would; here that is this repository's own ESM build.
const builds = {
  'widget-token': fileURLToPath(new URL('../../dist/index.js', import.meta.url)),
  'widget-token/vue': fileURLToPath(new URL('../../dist/vue.js', import.meta.url)),
}

export default {
  input: fileURLToPath(new URL('src/main.js', import.meta.url)),
  plugins: [
    { name: 'widget-token', resolveId: (id) => builds[id] ?? null },
    // Vue's bundler build leaves its feature flags to the bundler.
    replace({
      preventAssignment: true,
      values: {
        'process.env.NODE_ENV': JSON.stringify('production'),
        __VUE_OPTIONS_API__: 'true',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
    }),
    nodeResolve({ browser: true }),
    terser(),
  ],
  output: { file: fileURLToPath(new URL('dist/app.js', import.meta.url)), format: 'es', sourcemap: true },
}
