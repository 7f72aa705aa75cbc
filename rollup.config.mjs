import { readFileSync, rmSync } from 'node:fs'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'

// Chunk names carry content hashes: building over an old dist/ would leave stale chunks in the package.
rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true })

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
// Frameworks are the page's own copy, never bundled: optional peers of their bindings.
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]

// Each subpath export is its own entry, so a page pays only for the widget it embeds.
const entries = {
  index: 'src/index.ts',
  tabs: 'src/tabs.ts',
  debug: 'src/debug.ts',
  salesforce: 'src/adapters/salesforce.ts',
  zendesk: 'src/adapters/zendesk.ts',
  messenger: 'src/adapters/messenger.ts',
  intercom: 'src/adapters/intercom.ts',
  twilio: 'src/adapters/twilio.ts',
  define: 'src/adapters/define.ts',
  react: 'src/bindings/react.ts',
  vue: 'src/bindings/vue.ts',
  testing: 'src/testing/index.ts',
}

// Scripts that add themselves to the WidgetToken global: each adapter, and the debug trail's wording.
const scriptTagAddOns = Object.fromEntries(['debug', 'salesforce', 'zendesk', 'messenger', 'intercom', 'twilio'].map((name) => [name, entries[name]]))

// Property names that never cross the public API may be shortened, but only inside the core's own
// script: the adapter scripts are minified apart from it and share objects with it.
const CORE_PRIVATE_PROPERTIES = /^(refreshAt|policy|timeoutMs|leewayMs|toEpoch|channelKey|started|onTimeout|announce|failed|dropped|delivered)$/

const minify = (privateProperties) =>
  terser({
    ecma: 2020,
    compress: { passes: 2, unsafe: true, pure_getters: true },
    ...(privateProperties && { mangle: { properties: { regex: privateProperties } } }),
    format: { comments: false },
  })

// The portal backend's half: Node and edge runtimes only, so it never shares a chunk with the browser builds.
const serverEntries = {
  server: 'src/server/index.ts',
}

// The maps carry their sources: the package ships without src/, and a consumer's debugger or
// bundler still shows the TypeScript.
const compile = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: true, inlineSources: true, noEmitOnError: true, include: ['src/**/*.ts'] })

// ESM and CJS side by side, each entry a file of its own and shared code in hashed chunks.
const moduleOutputs = [
  { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared/[name]-[hash].js', sourcemap: true },
  { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'shared/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
]

export default [
  {
    input: entries,
    external,
    plugins: [compile()],
    output: moduleOutputs,
  },
  {
    input: serverEntries,
    external,
    plugins: [compile()],
    output: moduleOutputs,
  },
  {
    // The script-tag build: everything bundled, one global.
    input: 'src/index.ts',
    plugins: [nodeResolve({ browser: true }), compile()],
    // `extend` fills an existing WidgetToken global, so the adapter scripts may load before or after it.
    output: { file: 'dist/widget-token.iife.min.js', format: 'iife', name: 'WidgetToken', extend: true, sourcemap: true, plugins: [minify(CORE_PRIVATE_PROPERTIES)] },
  },
  // One script per adapter (and one for the debug trail), adding itself to the WidgetToken global: a portal page needs two tags.
  ...Object.entries(scriptTagAddOns).map(([name, input]) => ({
    input,
    plugins: [nodeResolve({ browser: true }), compile()],
    output: { file: `dist/widget-token.${name}.iife.min.js`, format: 'iife', name: 'WidgetToken', extend: true, sourcemap: true, plugins: [minify()] },
  })),
  ...Object.entries({ ...entries, ...serverEntries }).flatMap(([name, input]) => [
    { input, external, plugins: [dts()], output: { file: `dist/${name}.d.ts`, format: 'es' } },
    { input, external, plugins: [dts()], output: { file: `dist/${name}.d.cts`, format: 'es' } },
  ]),
]
