import { existsSync, readFileSync } from 'node:fs'

// One documented module per subpath the package exports, found beside the core or among the adapters.
const { exports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const entryPoints = Object.keys(exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'index' : subpath.slice(2)))
  .map((name) => [`src/${name}.ts`, `src/adapters/${name}.ts`].find((file) => existsSync(file)) ?? `src/${name}.ts`)

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'widget-token',
  entryPoints,
  tsconfig: 'tsconfig.json',
  out: 'docs/api',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  plugin: ['./scripts/typedoc-subpaths.mjs'],
}
