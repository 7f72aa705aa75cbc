import { readFileSync, rmSync } from 'node:fs'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'
import { entries, scriptFile } from './scripts/entries.mjs'

// Chunk names carry content hashes: building over an old dist/ would leave stale chunks in the package.
rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true })

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
// Frameworks are the page's own copy, never bundled: optional peers of their bindings.
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]

// Each subpath export is its own entry, so a page pays only for the widget it embeds.
const input = Object.fromEntries(entries.map(({ name, source }) => [name, source]))

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

// The maps carry their sources: the package ships without src/, and a consumer's debugger or
// bundler still shows the TypeScript.
const compile = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: true, inlineSources: true, noEmitOnError: true, include: ['src/**/*.ts'] })

// A script tag bundles everything it needs into one global; `extend` fills an existing WidgetToken
// global, so the adapter scripts may load before or after the core's.
const scriptTag = (entry) => ({
  input: entry.source,
  plugins: [nodeResolve({ browser: true }), compile()],
  output: {
    file: `dist/${scriptFile(entry)}`,
    format: 'iife',
    name: 'WidgetToken',
    extend: true,
    sourcemap: true,
    plugins: [minify(entry.name === 'index' && CORE_PRIVATE_PROPERTIES)],
  },
})

export default [
  {
    // ESM and CJS side by side, each entry a file of its own and shared code in hashed chunks.
    input,
    external,
    plugins: [compile()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared/[name]-[hash].js', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'shared/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
    ],
  },
  ...entries.filter((entry) => entry.script).map(scriptTag),
  {
    // One pass over the declarations for every entry: `.d.ts` beside the ESM, `.d.cts` beside the CJS.
    input,
    external,
    plugins: [dts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'shared/[name]-[hash].d.ts' },
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: 'shared/[name]-[hash].d.cts' },
    ],
  },
]
