import { existsSync, readFileSync } from 'node:fs'
import { headingAnchorsWithCode } from './scripts/typedoc-subpaths.mjs'

// The entry points of both packages, as `{ name, source, summary }`: the import path a user writes,
// the file that defines it, and one line for the index when the file has no module comment.
// Seam: once `scripts/entries.mjs` (the one list the build and exports come from) exists, its
// entries are used; until then they are derived from package.json's exports as before.
async function entries() {
  const list = existsSync('scripts/entries.mjs') ? (await import('./scripts/entries.mjs')).entries : fromExports()
  return [...list, ...serverEntries(list)]
}

function fromExports() {
  const { exports } = JSON.parse(readFileSync('package.json', 'utf8'))
  return Object.keys(exports)
    .filter((subpath) => subpath !== './package.json' && subpath !== './server')
    .map((subpath) => (subpath === '.' ? 'index' : subpath.slice(2)))
    .map((file) => ({
      name: file === 'index' ? 'widget-token' : `widget-token/${file}`,
      source: [`src/${file}.ts`, `src/adapters/${file}.ts`].find((path) => existsSync(path)) ?? `src/${file}.ts`,
    }))
}

// The token service: its own package once it has moved, the `./server` subpath until then.
function serverEntries(list) {
  const source = ['packages/server/src/index.ts', 'src/server/index.ts'].find((path) => existsSync(path))
  if (!source || list.some((entry) => entry.source === source)) return []
  return [{ name: 'widget-token-server', source, summary: 'The token service for your backend: signs the widget’s JWTs and serves the token, refresh and JWKS endpoints as a Web `fetch` handler, with origin check, rate limits, clock guard, key rotation and a Redis store for several instances.' }]
}

const list = await entries()

/** @type {Partial<import('typedoc').TypeDocOptions> & { entryNames: unknown }} */
export default {
  name: 'widget-token',
  entryPoints: list.map((entry) => entry.source),
  // Read by scripts/typedoc-subpaths.mjs: module names and the summaries of files without a module comment.
  entryNames: list,
  tsconfig: 'tsconfig.json',
  out: 'docs/api',
  readme: 'README.md',
  projectDocuments: ['docs/*.md', 'CHANGELOG.md'],
  excludePrivate: true,
  excludeInternal: true,
  useFirstParagraphOfCommentAsSummary: true,
  // The token service's `keys` option type, which its entry does not export (yet): documented inline.
  intentionallyNotExported: ['KeysOption'],
  treatWarningsAsErrors: true,
  markdownItLoader: headingAnchorsWithCode,
  highlightLanguages: ['bash', 'css', 'html', 'http', 'javascript', 'json', 'jsonc', 'sh', 'tsx', 'typescript'],
  plugin: ['./scripts/typedoc-subpaths.mjs'],
}
