// Names each documented module by the import path a user writes (`widget-token/salesforce`,
// `widget-token-server`) instead of the file it comes from, gives a module without a comment the
// summary its entry carries, and makes the pages open from disk without console errors.
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
    if (page.contents) page.contents = page.contents.replace(/href="(?:\.\.\/)*assets\/icons\.svg(#icon-[^"]+)"/g, 'href="$1"')
  })
}
