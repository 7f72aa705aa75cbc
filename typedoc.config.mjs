import { existsSync } from 'node:fs'
import { entries, importPath } from './scripts/entries.mjs'
import { headingAnchorsWithCode } from './scripts/typedoc-subpaths.mjs'

// Every entry point of both packages, as `{ name, source, summary? }`: the import path a user
// writes, the file that defines it, and one line for the index when that file has no module comment.
const server = {
  name: 'widget-token-server',
  source: 'packages/server/src/index.ts',
  summary: 'The token service for your backend: signs the widget’s JWTs and serves the token, refresh and JWKS endpoints as a Web `fetch` handler, with origin check, rate limits, clock guard, key rotation and a Redis store for several instances.',
}
const documented = [...entries.map((entry) => ({ name: importPath(entry), source: entry.source })), server]
for (const { source } of documented) if (!existsSync(source)) throw new Error(`typedoc: ${source} does not exist`)

/** @type {Partial<import('typedoc').TypeDocOptions> & { entryNames: unknown }} */
export default {
  name: 'widget-token',
  entryPoints: documented.map((entry) => entry.source),
  // Read by scripts/typedoc-subpaths.mjs: module names and the summaries of files without a module comment.
  entryNames: documented,
  tsconfig: 'docs/tsconfig.json',
  out: 'docs/api',
  readme: 'README.md',
  projectDocuments: ['docs/*.md', 'CHANGELOG.md'],
  excludePrivate: true,
  excludeInternal: true,
  useFirstParagraphOfCommentAsSummary: true,
  markdownItLoader: headingAnchorsWithCode,
  highlightLanguages: ['bash', 'css', 'html', 'http', 'javascript', 'json', 'jsonc', 'sh', 'tsx', 'typescript'],
  treatWarningsAsErrors: true,
  plugin: ['./scripts/typedoc-subpaths.mjs'],
}
