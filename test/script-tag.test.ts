// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dist = new URL('../dist/', import.meta.url)

/** The pattern of property names the script-tag build shortens, as rollup.config.mjs states it. */
function privateProperties(): RegExp {
  const config = readFileSync(new URL('../rollup.config.mjs', import.meta.url), 'utf8')
  const source = /const CORE_PRIVATE_PROPERTIES = \/(.+)\/\n/.exec(config)?.[1]
  if (!source) throw new Error('rollup.config.mjs no longer states CORE_PRIVATE_PROPERTIES')
  return new RegExp(source)
}

describe('the script-tag build', () => {
  it('shortens no property name that a page or an adapter script reads', () => {
    const pattern = privateProperties()
    // Every name the types of the script-tag entries declare: options, events, errors, adapter contexts.
    const declared = new Set<string>()
    // The declarations of every entry and the chunks they share; the bindings' and the testing kit's
    // names are held to the same rule, which costs nothing.
    for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.d.ts'))) {
      const types = readFileSync(new URL(file, dist), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
      for (const [, name] of types.matchAll(/(\w+)\??: /g)) declared.add(name!)
    }
    expect(declared.size).toBeGreaterThan(50)
    expect([...declared].filter((name) => pattern.test(name))).toEqual([])
  })
})
