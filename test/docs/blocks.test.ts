// @vitest-environment happy-dom
// Every ```ts and ```tsx block of README.md, docs/*.md and packages/server/README.md is true as a
// reader pastes it: it type-checks under `strict` against the published types (the build, resolved
// by name through node_modules), with moduleResolution bundler and nodenext, under this
// repository's TypeScript and TypeScript 7; the blocks marked `run` also run.
//
// Writing a block that passes:
// - A block is a whole file. It imports what it uses, by package name (`widget-token`,
//   `widget-token/tabs`, `widget-token-server`, or the vendor's package), never by a path of this
//   repository. A name that stands for the reader's own code is declared in the block, with a word
//   on what it is: `declare const config: GenConfig // your widget's configuration`.
// - A fragment continues another block: its first line is `// continues: <id>`, and the block it
//   continues, in the same file, carries `id=<id>` after its language: ```ts id=install. The
//   fragment is checked appended to that block (and to what that one continues); errors in the
//   earlier blocks are reported for those blocks.
// - ```ts bundler marks browser code that only a bundler reads, checked with moduleResolution bundler
//   alone: a vendor package whose CommonJS default export Node's ESM loader would not unwrap.
// - ```ts run marks a block that also runs (in happy-dom, on fake time, with `fetch` answered by the
//   fake backend of `widget-token/testing`). A block that imports `vitest` registers its tests here,
//   and they must pass.
// - Text that is not a file a reader pastes (an HTTP exchange, a shell line, JSON) is fenced with
//   its own language (http, sh, json), not ts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFakeBackend } from 'widget-token/testing'
import { blocksOf, documents, snippetsOf, type Snippet } from './blocks'
import { createConsumer, root, runTsc, typescript7 } from './typescript'

const snippets = documents(root).flatMap((file) => snippetsOf(blocksOf(root, file)))
const fileName = ({ block }: Snippet) => `${block.file.replace(/[/.]/g, '_')}_${block.line}${block.bundlerOnly ? '.bundler' : ''}.${block.lang}`
// Each block is a module of its own, so that two blocks' top-level names never meet.
const asModule = (text: string) => `${text}\nexport {}\n`

const settings = {
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, include: ['blocks'] },
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, include: ['blocks'], exclude: ['blocks/*.bundler.*'] },
} as const
const common = { strict: true, target: 'es2022', lib: ['es2022', 'dom', 'dom.iterable'], jsx: 'react-jsx', types: ['node'], skipLibCheck: true, noEmit: true }

let consumer: ReturnType<typeof createConsumer>

beforeAll(() => {
  consumer = createConsumer('widget-token-blocks-')
  mkdirSync(join(consumer.dir, 'blocks'))
  for (const snippet of snippets) writeFileSync(join(consumer.dir, 'blocks', fileName(snippet)), asModule(snippet.text))
  for (const [name, { compilerOptions, ...files }] of Object.entries(settings)) {
    writeFileSync(join(consumer.dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...common, ...compilerOptions }, ...files }))
  }
})
afterAll(() => consumer?.remove())

/** The complaints about each block's own lines, as `file:line: message`. */
function complaints(diagnostics: readonly ts.Diagnostic[]): string[] {
  const byFile = new Map(snippets.map((snippet) => [fileName(snippet), snippet]))
  return diagnostics.flatMap((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const snippet = diagnostic.file && byFile.get(diagnostic.file.fileName.split('/').at(-1)!)
    if (!diagnostic.file || !snippet) return [message]
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line
    if (line < snippet.prefixLines) return [] // the block it continues answers for it
    return [`${snippet.block.file}:${snippet.block.line + 1 + line - snippet.prefixLines}: ${message}`]
  })
}

/** The `tsc` CLI's lines, `blocks/README_md_62.ts(3,5): error …`, with the markdown line instead. */
function cliComplaints(output: string): string[] {
  const byFile = new Map(snippets.map((snippet) => [fileName(snippet), snippet]))
  return output
    .split('\n')
    .filter(Boolean)
    .flatMap((text) => {
      const match = /blocks\/([^(]+)\((\d+),\d+\): (.*)/.exec(text)
      const snippet = match && byFile.get(match[1]!)
      if (!match || !snippet) return [text]
      const line = Number(match[2]) - 1
      return line < snippet.prefixLines ? [] : [`${snippet.block.file}:${snippet.block.line + 1 + line - snippet.prefixLines}: ${match[3]}`]
    })
}

describe('the TypeScript blocks of the README and the guides', () => {
  it('are there to check', () => {
    expect(snippets.length).toBeGreaterThan(40)
    expect(snippets.filter(({ block }) => block.run).length).toBeGreaterThan(0)
  })

  it.each(Object.keys(settings))('type-check as pasted, moduleResolution %s', (name) => {
    const parsed = ts.getParsedCommandLineOfConfigFile(join(consumer.dir, `tsconfig.${name}.json`), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
    const program = ts.createProgram(parsed.fileNames, parsed.options)
    expect(complaints(ts.getPreEmitDiagnostics(program))).toEqual([])
  }, 120_000)

  it.each(Object.keys(settings))('type-check as pasted under TypeScript 7, moduleResolution %s', (name) => {
    expect(cliComplaints(runTsc(typescript7(), join(consumer.dir, `tsconfig.${name}.json`)))).toEqual([])
  }, 300_000)
})

// Runnable blocks run from a folder of the repository (ignored by git), where `widget-token`
// resolves to this package's build as it does for the tests.
const runnable = snippets.filter(({ block }) => block.run)
const runFolder = join(root, 'test-results/docs-blocks')
rmSync(runFolder, { recursive: true, force: true })
mkdirSync(runFolder, { recursive: true })
for (const snippet of runnable) writeFileSync(join(runFolder, fileName(snippet)), asModule(snippet.text))

describe.each(runnable.filter(({ text }) => /from 'vitest'/.test(text)).map((snippet) => [snippet.block.where, snippet] as const))('the tests of %s', async (_where, snippet) => {
  await import(/* @vite-ignore */ join(runFolder, fileName(snippet)))
})

describe('the runnable blocks', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it.each(runnable.filter(({ text }) => !/from 'vitest'/.test(text)).map((snippet) => [snippet.block.where, snippet] as const))('%s runs', async (_where, snippet) => {
    vi.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') })
    vi.stubGlobal('fetch', createFakeBackend({ lifetimeSeconds: 600 }).fetch)
    await import(/* @vite-ignore */ join(runFolder, fileName(snippet)))
    await vi.advanceTimersByTimeAsync(60_000)
  })
})
