import { readFileSync, rmSync } from 'node:fs'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'

rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true })

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
// jose and the rate limiter are the portal backend's own installs, never bundled.
const external = Object.keys(pkg.dependencies)
const input = { index: 'src/index.ts' }

export default [
  {
    input,
    external,
    // The maps carry their sources: the package ships without src/.
    plugins: [typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: true, inlineSources: true, noEmitOnError: true })],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input,
    external,
    plugins: [dts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.cts' },
    ],
  },
]
