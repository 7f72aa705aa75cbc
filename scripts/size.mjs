// Prints the minified, gzipped and brotli bytes of every bundle in dist/.
import { readdirSync, readFileSync } from 'node:fs'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { minify } from 'terser'

const dist = new URL('../dist/', import.meta.url)
const bundles = readdirSync(dist).filter((name) => /\.(c?js)$/.test(name))
if (bundles.length === 0) {
  console.error('dist/ is empty: run `npm run build` first')
  process.exit(1)
}

const rows = []
for (const name of bundles.sort()) {
  const source = readFileSync(new URL(name, dist), 'utf8')
  const code = name.includes('.min.') ? source : (await minify(source, { module: !name.endsWith('.cjs') })).code
  rows.push({
    bundle: name,
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code).length,
  })
}
console.table(rows)

// What each source module costs the script tag: its minified bytes (found through the source map)
// and the gzip bytes the build would lose without them.
const scriptTag = 'widget-token.iife.min.js'
const code = readFileSync(new URL(scriptTag, dist), 'utf8')
const map = new TraceMap(readFileSync(new URL(`${scriptTag}.map`, dist), 'utf8'))
const owners = []
code.split('\n').forEach((line, index) => {
  let owner = '(wrapper)'
  for (let column = 0; column < line.length; column++) {
    owner = originalPositionFor(map, { line: index + 1, column }).source ?? owner
    owners.push(owner)
  }
  owners.push(owner)
})
const gzipOf = (text) => gzipSync(text, { level: 9 }).length
const total = gzipOf(code)
const modules = [...new Set(owners)].map((source) => {
  // By UTF-16 index, as the columns of the map count.
  const without = code.split('').filter((_, index) => owners[index] !== source).join('')
  return { module: source.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, ''), min: owners.filter((owner) => owner === source).length, gzip: total - gzipOf(without) }
})
console.log(`\n${scriptTag}: ${total} B gzip, by module`)
console.table(modules.sort((a, b) => b.min - a.min))
