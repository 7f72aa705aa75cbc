// Names each documented module by the import path a user writes (`widget-token/salesforce`,
// `widget-token-server`) instead of the file it comes from, gives a module without a comment the
// summary its entry carries, and makes the pages open from disk without console errors or links
// to folders.
import { resolve } from 'node:path'
import { Comment, Converter, ParameterType, ReflectionKind, Renderer } from 'typedoc'

export function load(app) {
  app.options.addDeclaration({
    name: 'entryNames',
    help: 'The entry points as { name, source, summary? }, from typedoc.config.mjs.',
    type: ParameterType.Mixed,
    defaultValue: [],
  })

  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const entries = new Map(app.options.getValue('entryNames').map((entry) => [resolve(entry.source), entry]))
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const entry = entries.get(module.sources?.[0]?.fullFileName ?? '')
      if (!entry) {
        app.logger.warn(`no entry names the module ${module.name}`)
        continue
      }
      module.name = entry.name
      if (!module.comment && entry.summary) module.comment = new Comment(Comment.parseSummaryString?.(entry.summary) ?? [{ kind: 'text', text: entry.summary }])
    }
  })

  // Chromium refuses an SVG <use> that points into another file:// document, once per icon. The
  // theme's icons.js puts the same sprite into the page itself, so pointing at `#icon-…` works
  // both from disk and over http.
  app.renderer.on(Renderer.EVENT_END_PAGE, (page) => {
    if (!page.contents) return
    page.contents = page.contents.replace(/href="(?:\.\.\/)*assets\/icons\.svg(#icon-[^"]+)"/g, 'href="$1"')
    // A link to the site's root (the README) names its page: from disk, a folder is not a page.
    page.contents = page.contents.replace(/href="((?:\.\.\/)+|\.\/)(#[^"]*)?"/g, (_, up, hash = '') => `href="${up}index.html${hash}"`)
  })
}

/**
 * For `markdownItLoader`: heading anchors that keep the text of code spans, as GitHub's do, so
 * `### \`log\`` is `#log` on the rendered site too (TypeDoc's slugger reads only plain text). Each
 * code span in a heading gets a twin text token the slugger reads and the renderer leaves out.
 */
export function headingAnchorsWithCode(parser) {
  parser.core.ruler.push('heading_code_text', (state) => {
    state.tokens.forEach((token, index) => {
      if (token.type !== 'heading_open') return
      const inline = state.tokens[index + 1]
      inline.children = inline.children?.flatMap((child) => {
        if (child.type !== 'code_inline') return [child]
        const twin = new state.Token('text', '', 0)
        twin.content = child.content
        twin.meta = { slugOnly: true }
        return [child, twin]
      })
    })
  })
  const text = parser.renderer.rules.text
  parser.renderer.rules.text = (tokens, index, ...rest) => (tokens[index].meta?.slugOnly ? '' : text(tokens, index, ...rest))
}
