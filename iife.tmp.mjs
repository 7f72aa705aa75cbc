import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
const CORE_PRIVATE_PROPERTIES = /^(refreshAt|policy|timeoutMs|leewayMs|toEpoch|channelKey|started|onTimeout|announce|failed|dropped|delivered)$/
export default {
  input: 'src/index.ts',
  plugins: [nodeResolve({ browser: true }), typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: false, include: ['src/**/*.ts'] })],
  output: { file: '/tmp/iife/out.js', format: 'iife', name: 'WidgetToken', extend: true, plugins: [terser({ ecma: 2020, compress: { passes: 2, unsafe: true, pure_getters: true }, mangle: { properties: { regex: CORE_PRIVATE_PROPERTIES } }, format: { comments: false } })] },
}
