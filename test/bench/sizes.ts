import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { rollup, type Plugin } from 'rollup'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'

// npm runs the bench from the repository root.
const root = `${process.cwd()}/`
const scratch = `${root}node_modules/.cache/widget-token-bench/`
// The peers whose behaviour the bench also runs are devDependencies: their sizes are of the same versions.
const { devDependencies } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { devDependencies: Record<string, string> }
const pinned = (name: string) => `${name}@${devDependencies[name]}`

/**
 * What a user of each library would import, as a one-line entry. Versions are the ones the bench
 * runs, else the newest whose dependencies the registry serves; `firebase/auth` is `@firebase/auth`, which it re-exports.
 */
export const PEERS: Record<string, { packages: string[]; entry: string }> = {
  'oidc-client-ts': { packages: [pinned('oidc-client-ts')], entry: "export { UserManager } from 'oidc-client-ts'" },
  '@supabase/auth-js': { packages: [pinned('@supabase/auth-js')], entry: "export { GoTrueClient } from '@supabase/auth-js'" },
  '@auth0/auth0-spa-js': { packages: ['@auth0/auth0-spa-js@2.20.0'], entry: "export { createAuth0Client } from '@auth0/auth0-spa-js'" },
  '@azure/msal-browser': { packages: ['@azure/msal-browser'], entry: "export { PublicClientApplication } from '@azure/msal-browser'" },
  'firebase/auth': { packages: ['@firebase/auth', '@firebase/app'], entry: "export { getAuth, onIdTokenChanged } from '@firebase/auth'" },
}
const BUNDLER_PLUGINS = ['@rollup/plugin-commonjs@29', '@rollup/plugin-replace@6']

export interface SizeRow {
  library: string
  min: number
  gzip: number
  brotli: number
}

/** Installs the peers for bundling into a scratch folder, again only when the wanted versions change. */
function installPeers(): void {
  const wanted = [...Object.values(PEERS).flatMap((peer) => peer.packages), ...BUNDLER_PLUGINS]
  const installed = `${scratch}installed.json`
  if (existsSync(installed) && readFileSync(installed, 'utf8') === JSON.stringify(wanted)) return
  mkdirSync(scratch, { recursive: true })
  writeFileSync(`${scratch}package.json`, '{ "private": true }')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', ...wanted], { cwd: scratch, stdio: 'ignore' })
  writeFileSync(installed, JSON.stringify(wanted))
}

async function bundle(name: string, code: string): Promise<SizeRow> {
  const entry = `${scratch}entries/${name.replace(/\W+/g, '-')}.js`
  mkdirSync(`${scratch}entries`, { recursive: true })
  writeFileSync(entry, code)
  const { default: commonjs } = (await import(`${scratch}node_modules/@rollup/plugin-commonjs/dist/es/index.js`)) as { default: () => Plugin }
  const { default: replace } = (await import(`${scratch}node_modules/@rollup/plugin-replace/dist/es/index.js`)) as { default: (options: object) => Plugin }
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
  installPeers()
  const rows = [
    measure('widget-token (script tag)', readFileSync(`${root}dist/widget-token.iife.min.js`, 'utf8')),
    await bundle('widget-token', "export { createTokenManager, genWidget } from 'widget-token'"),
  ]
  for (const [name, peer] of Object.entries(PEERS)) rows.push(await bundle(name, peer.entry))
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
