// Prints the minified, gzipped and brotli bytes of every bundle in dist/.
import { readdirSync, readFileSync } from 'node:fs'
import { brotliCompressSync, gzipSync } from 'node:zlib'
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
