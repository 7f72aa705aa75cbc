// @vitest-environment node
// The README and the guides as the registry and an installed package show them: every relative
// link and image points at a file the tarball carries, and every #anchor at a heading there.
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { packedFiles } from '../helpers/pack'

/** GitHub's heading anchors: lower case, punctuation dropped (but - and _), spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')

function anchorsOf(markdown: string): Set<string> {
  const headings = [...markdown.replace(/^( *)```[\s\S]*?^\1```/gm, '').matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!))
  const seen = new Map<string, number>()
  return new Set(
    headings.map((anchor) => {
      const count = seen.get(anchor) ?? 0
      seen.set(anchor, count + 1)
      return count === 0 ? anchor : `${anchor}-${count}`
    }),
  )
}

/** Link and image targets outside code: `[text](target)` and `![alt](target)`. */
function targetsOf(markdown: string): string[] {
  const prose = markdown.replace(/^( *)```[\s\S]*?^\1```/gm, '').replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!)
}

describe('links in the published README and guides', () => {
  let packed: Set<string>

  beforeAll(() => {
    packed = new Set(packedFiles())
  }, 60_000)

  it('point at files the tarball carries, and at headings that exist', () => {
    const documents = [...packed].filter((path) => path.endsWith('.md'))
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'docs/server.md']))
    const broken: string[] = []
    for (const document of documents) {
      for (const target of targetsOf(readFileSync(document, 'utf8'))) {
        if (/^[a-z]+:/i.test(target)) continue // https:, mailto:: not in the tarball by design
        const [path = '', anchor] = target.split('#')
        const file = path === '' ? document : normalize(join(dirname(document), path))
        if (!packed.has(file)) broken.push(`${document}: ${target} (not in the package)`)
        else if (anchor && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${document}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})
