// Names each documented module by the import path a user writes, e.g. `widget-token/salesforce`,
// instead of the source file it comes from.
import { Converter, ReflectionKind } from 'typedoc'

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const file = module.name.replace(/^adapters\//, '')
      module.name = file === 'index' ? 'widget-token' : `widget-token/${file}`
    }
  })
}
