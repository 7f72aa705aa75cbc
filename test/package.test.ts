// @vitest-environment node
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('the published package', () => {
  it('holds only the builds, the README, the licence and package.json', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as [
      { files: Array<{ path: string }> },
    ]
    const paths = pack.files.map((file) => file.path)
    expect(paths.filter((path) => !/^dist\/(shared\/)?[\w.-]+\.(c?js|d\.c?ts|map)$/.test(path)).sort()).toEqual(['LICENSE', 'README.md', 'package.json'])
    expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/widget-token.iife.min.js']))
  })
})
