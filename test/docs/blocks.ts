// Finds the TypeScript blocks of the README and the guides, and puts each together as the file a
// reader would paste. The convention is described in blocks.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Block {
  /** Where it is written, `docs/server.md:120`, for messages. */
  where: string
  file: string
  line: number
  lang: 'ts' | 'tsx'
  id?: string
  continues?: string
  run: boolean
  /** Only a bundler reads it: not checked under nodenext. */
  bundlerOnly: boolean
  code: string
}

export interface Snippet {
  block: Block
  /** The text type-checked and run: the blocks it continues, then its own. */
  text: string
  /** Lines before the block's own, belonging to the blocks it continues (checked on their own). */
  prefixLines: number
}

const FENCE = /^( *)```(tsx?)((?:[ \t][^\n]*)?)\n([\s\S]*?)^\1```[ \t]*$/gm

/** The markdown files whose blocks are checked: the README, the guides, the server package's README. */
export function documents(root: string): string[] {
  const guides = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`) : []
  return ['README.md', ...guides.sort(), 'packages/server/README.md'].filter((file) => existsSync(join(root, file)))
}

export function blocksOf(root: string, file: string): Block[] {
  const markdown = readFileSync(join(root, file), 'utf8')
  return [...markdown.matchAll(FENCE)].map((match) => {
    const [, indent = '', lang, info = '', body = ''] = match
    const line = markdown.slice(0, match.index).split('\n').length
    const code = body.split('\n').map((text) => (text.startsWith(indent) ? text.slice(indent.length) : text)).join('\n')
    const id = /\bid=([\w-]+)/.exec(info)?.[1]
    const continues = /^\/\/ continues: ([\w-]+)/.exec(code)?.[1]
    return { where: `${file}:${line}`, file, line, lang: lang as 'ts' | 'tsx', ...(id && { id }), ...(continues && { continues }), run: /\brun\b/.test(info), bundlerOnly: /\bbundler\b/.test(info), code }
  })
}

/** Each block with the blocks it continues before it, in the order they are written. */
export function snippetsOf(blocks: Block[]): Snippet[] {
  const byId = new Map(blocks.filter((block) => block.id).map((block) => [`${block.file} ${block.id}`, block]))
  return blocks.map((block) => {
    const chain: Block[] = []
    for (let parent = block.continues; parent; ) {
      const found = byId.get(`${block.file} ${parent}`)
      if (!found) throw new Error(`${block.where} continues "${parent}", but no block in ${block.file} has id=${parent}`)
      if (chain.includes(found)) throw new Error(`${block.where}: the blocks it continues form a circle`)
      chain.unshift(found)
      parent = found.continues
    }
    const prefix = chain.map((parent) => parent.code).join('')
    return { block, text: prefix + block.code, prefixLines: prefix.split('\n').length - 1 }
  })
}
