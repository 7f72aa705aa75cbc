// `npm run size`: the gzip bytes (level 9) of every script tag and of every import an application
// makes, each against its budget in scripts/entries.mjs; then what each source module costs the
// core's script tag. Exits non-zero when anything is over budget.
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import nodeResolve from '@rollup/plugin-node-resolve'
import { rollup } from 'rollup'
import { minify } from 'terser'
import { entries, importPath, scriptFile } from './entries.mjs'

const dist = new URL('../dist/', import.meta.url)
const gzipOf = (text) => gzipSync(text, { level: 9 }).length

/** The minified bundle an application gets for `import <entry.import> from <path>`, its peer left out. */
async function bundledImport(entry) {
  const id = '\0measured-import'
  const bundle = await rollup({
    input: id,
    external: entry.peer ? [entry.peer] : [],
    plugins: [
      { name: 'measured-import', resolveId: (source) => (source === id ? id : null), load: (source) => (source === id ? `export ${entry.import} from ${JSON.stringify(new URL(`${entry.name}.js`, dist).pathname)}` : null) },
      nodeResolve({ browser: true }),
    ],
  })
  const { output } = await bundle.generate({ format: 'es' })
  await bundle.close()
  return (await minify(output[0].code, { module: true, compress: { passes: 2 } })).code
}

if (!existsSync(new URL('index.js', dist))) {
  console.error('dist/ is empty: run `npm run build` first')
  process.exit(1)
}

const rows = []
for (const entry of entries) {
  if (entry.script) rows.push({ what: `script tag ${scriptFile(entry)}`, gzip: gzipOf(readFileSync(new URL(scriptFile(entry), dist))), budget: entry.script })
  if (entry.import) rows.push({ what: `import ${entry.import} from '${importPath(entry)}'`, gzip: gzipOf(await bundledImport(entry)), budget: entry.budget })
}
console.table(rows.map((row) => ({ ...row, within: row.gzip <= row.budget ? 'yes' : 'OVER' })))

// What each source module costs the core's script tag: the gzip bytes it would lose without them.
const core = scriptFile(entries.find(({ name }) => name === 'index'))
const code = readFileSync(new URL(core, dist), 'utf8')
const map = new TraceMap(readFileSync(new URL(`${core}.map`, dist), 'utf8'))
const owners = []
code.split('\n').forEach((line, index) => {
  let owner = '(wrapper)'
  for (let column = 0; column < line.length; column++) {
    owner = originalPositionFor(map, { line: index + 1, column }).source ?? owner
    owners.push(owner)
  }
  owners.push(owner)
})
const total = gzipOf(code)
const modules = [...new Set(owners)].map((source) => {
  // By UTF-16 index, as the columns of the map count.
  const without = code.split('').filter((_, index) => owners[index] !== source).join('')
  return { module: source.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, ''), gzip: total - gzipOf(without) }
})
console.log(`\n${core}: ${total} B gzip, by module`)
console.table(modules.sort((a, b) => b.gzip - a.gzip))

const over = rows.filter((row) => row.gzip > row.budget)
if (over.length > 0) {
  console.error(`Over budget: ${over.map((row) => row.what).join(', ')}`)
  process.exit(1)
}
