// @vitest-environment node
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { packedFiles } from './helpers/pack'


interface SourceMap {
  sources: string[]
  sourcesContent?: Array<string | null>
}

describe('the published package', () => {
  let paths: string[]
  // npm pack takes seconds on a busy machine: once for the whole file.
  beforeAll(() => {
    paths = packedFiles()
  }, 60_000)

  it('holds only the builds, the README and its guides, the changelog, the licence and package.json', () => {
    const guides = readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)
    expect(guides.length).toBeGreaterThan(0)
    expect(paths.filter((path) => !/^dist\/(shared\/)?[\w.-]+\.(c?js|d\.c?ts|map)$/.test(path)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', ...guides, 'package.json'].sort())
    expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/widget-token.iife.min.js']))
  })

  it('ships a source map beside every script, naming one that is in the package', () => {
    for (const script of paths.filter((path) => /\.c?js$/.test(path))) {
      const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(script, 'utf8'))?.[1]
      expect(reference, script).toBeDefined()
      expect(paths, script).toContain(`${dirname(script)}/${reference}`)
    }
  })

  it('ships source maps that carry their sources, so a consumer sees the TypeScript without the repository', () => {
    const maps = paths.filter((path) => path.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    for (const path of maps) {
      const map = JSON.parse(readFileSync(path, 'utf8')) as SourceMap
      // An entry whose code all lives in shared chunks only re-exports it: there is nothing to map.
      if (isReExportOnly(readFileSync(path.replace(/\.map$/, ''), 'utf8'))) continue
      expect(map.sources.length, path).toBeGreaterThan(0)
      expect(map.sourcesContent?.length, path).toBe(map.sources.length)
      map.sources.forEach((source, index) => {
        const content = map.sourcesContent?.[index]
        expect(typeof content === 'string' && content.length > 0, `${path}: ${source}`).toBe(true)
        const file = resolve(dirname(path), source)
        if (source.includes('/src/') && existsSync(file)) expect(content, `${path}: ${source}`).toBe(readFileSync(file, 'utf8'))
      })
    }
  })
})

function isReExportOnly(script: string): boolean {
  const statements = script
    .replace(/\/\/# sourceMappingURL=\S+\s*$/, '')
    .split(/;\s*/)
    .map((statement) => statement.trim())
    .filter(Boolean)
  return statements.every((statement) => /^(export \{[^}]*\} from '[^']+'|'use strict'|var \w+ = require\('[^']+'\)|exports\.\w+ = \w+\.\w+)$/.test(statement))
}
