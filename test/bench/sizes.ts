import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { rollup, type Plugin } from 'rollup'
import commonjs from '@rollup/plugin-commonjs'
import nodeResolve from '@rollup/plugin-node-resolve'
import replace from '@rollup/plugin-replace'
import terser from '@rollup/plugin-terser'
import { peerFolder } from './peers'

// npm runs the bench from the repository root.
const root = `${process.cwd()}/`

/** What a user of each library would import, as a one-line entry; the versions are in peers.ts. */
export const PEERS: Record<string, string> = {
  'oidc-client-ts': "export { UserManager } from 'oidc-client-ts'",
  '@supabase/auth-js': "export { GoTrueClient } from '@supabase/auth-js'",
  '@auth0/auth0-spa-js': "export { createAuth0Client } from '@auth0/auth0-spa-js'",
  '@azure/msal-browser': "export { PublicClientApplication } from '@azure/msal-browser'",
  'firebase/auth': "export { getAuth, onIdTokenChanged } from '@firebase/auth'",
}

export interface SizeRow {
  library: string
  min: number
  gzip: number
  brotli: number
}

async function bundle(name: string, code: string): Promise<SizeRow> {
  // Beside the peers' node_modules, so that the entry's imports resolve to them.
  const entries = `${peerFolder()}/entries`
  const entry = `${entries}/${name.replace(/\W+/g, '-')}.js`
  mkdirSync(entries, { recursive: true })
  writeFileSync(entry, code)
  const sdk: Plugin = { name: 'widget-token', resolveId: (id) => (id === 'widget-token' ? `${root}dist/index.js` : null) }
  const build = await rollup({
    input: entry,
    onwarn: () => {},
    plugins: [
      sdk,
      replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('production') } }),
      nodeResolve({ browser: true, preferBuiltins: false }),
      commonjs(),
    ],
  })
  const { output } = await build.generate({ format: 'es', plugins: [terser({ ecma: 2020 })] })
  await build.close()
  const minified = output.filter((chunk) => chunk.type === 'chunk').map((chunk) => chunk.code).join('\n')
  return measure(name, minified)
}

function measure(library: string, code: string): SizeRow {
  return { library, min: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length }
}

export async function compareSizes(): Promise<SizeRow[]> {
  const rows = [
    measure('widget-token (script tag)', readFileSync(`${root}dist/widget-token.iife.min.js`, 'utf8')),
    await bundle('widget-token', "export { createTokenManager, genWidget } from 'widget-token'"),
  ]
  for (const [name, entry] of Object.entries(PEERS)) rows.push(await bundle(name, entry))
  return rows
}

/** A horizontal bar chart of gzip bytes, written beside the figures by `npm run bench`. */
export function sizeChart(rows: SizeRow[]): string {
  const width = 640
  const barHeight = 24
  const labelWidth = 210
  const max = Math.max(...rows.map((row) => row.gzip))
  const bars = rows.map((row, index) => {
    const y = 16 + index * (barHeight + 10)
    const length = Math.max(2, ((width - labelWidth - 90) * row.gzip) / max)
    const ours = row.library.startsWith('widget-token')
    return `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${row.library}</text>
<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" rx="3" fill="${ours ? '#1a7f37' : '#8c959f'}"/>
<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 16}">${(row.gzip / 1024).toFixed(1)} KB</text>`
  })
  const height = 16 + rows.length * (barHeight + 10) + 24
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13" fill="#1b1f24">
<rect width="100%" height="100%" fill="#fff"/>
${bars.join('\n')}
<text x="${labelWidth}" y="${height - 8}" fill="#57606a">minified + gzip · npm run bench</text>
</svg>
`
}
