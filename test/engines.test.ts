// @vitest-environment node
import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

interface Locked {
  version?: string
  engines?: { node?: string }
  optional?: boolean
  link?: boolean
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Locked> }

// npm leaves out, without a warning, an optional package (another platform's binary, an extra) that
// does not support the running Node: only the others must fit every claimed version.
const required = Object.entries(lock.packages).filter(([path, entry]) => path.includes('node_modules/') && !entry.link && !entry.optional)

describe('the Node versions package.json claims', () => {
  it('include the Node this suite runs on', () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true)
  })

  it('are all ones every installed package supports, so `npm install` warns of no engine', () => {
    // npm warns (EBADENGINE) when the running Node is outside a package's range; every claimed version must be inside.
    const outside = required
      .filter(([, entry]) => entry.engines?.node && !semver.subset(manifest.engines.node, entry.engines.node, { includePrerelease: true }))
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants Node ${entry.engines!.node}`)
    expect(outside).toEqual([])
  })
})
