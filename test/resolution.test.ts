// @vitest-environment node
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTsc, typescript7 } from './docs/typescript'

const root = process.cwd()
// What the troubleshooting guide's TypeScript section (docs/troubleshooting.md) promises, checked against the built package as a consumer sees it.
const consumer = `
import { createTokenManager, genWidget, type TokenManager } from 'widget-token'
import { shareAcrossTabs } from 'widget-token/tabs'
import { salesforceWidget } from 'widget-token/salesforce'
export const manager: TokenManager = createTokenManager({ endpoint: '/token', widget: genWidget({ config: { organization: { id: 'org' } } }), tabs: shareAcrossTabs() })
export { salesforceWidget }
`

let project: string

// The standard library's declarations are parsed once for every check.
const parsed = new Map<string, ts.SourceFile | undefined>()

/** Type-checks the consumer with the given settings; returns the compiler's complaints. */
function typecheck(file: string, module: ts.ModuleKind, moduleResolution: ts.ModuleResolutionKind): string {
  const options: ts.CompilerOptions = { noEmit: true, strict: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: true, module, moduleResolution, ignoreDeprecations: '6.0' }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const key = `${name} ${JSON.stringify(languageVersion)}`
    if (!parsed.has(key)) parsed.set(key, getSourceFile(name, languageVersion, ...rest))
    return parsed.get(key)
  }
  const program = ts.createProgram([join(project, file)], options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
    .join('\n')
}

describe('TypeScript module resolution', () => {
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'widget-token-consumer-'))
    mkdirSync(join(project, 'node_modules'))
    symlinkSync(root, join(project, 'node_modules/widget-token'), 'dir')
    writeFileSync(join(project, 'consumer.ts'), consumer)
    writeFileSync(join(project, 'consumer.mts'), consumer)
    writeFileSync(join(project, 'consumer.cts'), consumer)
  })
  afterAll(() => rmSync(project, { recursive: true, force: true }))

  it.each([
    ['bundler', 'consumer.ts', ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler],
    ['node16', 'consumer.mts', ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
    ['node16', 'consumer.cts', ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
    ['nodenext', 'consumer.mts', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext],
    ['nodenext', 'consumer.cts', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext],
  ] as const)('finds the package and its subpaths with moduleResolution %s (%s)', (_name, file, module, moduleResolution) => {
    expect(typecheck(file, module, moduleResolution)).toBe('')
  }, 60_000)

  it('finds the package and its subpaths with the legacy node10 resolution, through typesVersions', () => {
    expect(typecheck('consumer.ts', ts.ModuleKind.CommonJS, ts.ModuleResolutionKind.Node10)).toBe('')
  }, 60_000)

  // TypeScript 7 (the native compiler) has no JavaScript API: its own `tsc` checks the same files.
  // It has no node10 resolution any more.
  it.each([
    ['bundler', 'consumer.ts', 'esnext'],
    ['node16', 'consumer.mts', 'node16'],
    ['node16', 'consumer.cts', 'node16'],
    ['nodenext', 'consumer.mts', 'nodenext'],
    ['nodenext', 'consumer.cts', 'nodenext'],
  ] as const)('finds the package and its subpaths under TypeScript 7 with moduleResolution %s (%s)', (moduleResolution, file, module) => {
    const config = join(project, `tsconfig.7.${moduleResolution}.${file}.json`)
    const compilerOptions = { noEmit: true, strict: true, lib: ['es2022', 'dom'], types: [], skipLibCheck: true, module, moduleResolution }
    writeFileSync(config, JSON.stringify({ compilerOptions, files: [file] }))
    expect(runTsc(typescript7(), config)).toBe('')
  }, 300_000)
})
