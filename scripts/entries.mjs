// The browser package's entry points, one line each. The build (rollup.config.mjs), the size budgets
// (scripts/size.mjs), the API reference (typedoc.config.mjs), the demo's scripts and the check of
// package.json's exports (test/entries.test.ts) all read this list: a new adapter is its file in
// src/adapters/ and one line here.
//
// name:   the subpath a user imports, `widget-token/<name>` (`index` is `widget-token` itself).
// source: the module the entry starts from.
// import: what an application imports from it; `budget` caps that import's gzip bytes, bundled and minified.
// script: the gzip byte budget of its script tag, `widget-token.<name>.iife.min.js`, which adds itself
//         to the WidgetToken global (the core's is `widget-token.iife.min.js`). No script tag without it.
// peer:   a framework the page brings itself, left out of the measured import.
export const entries = [
  { name: 'index', source: 'src/index.ts', script: 6534 },
  { name: 'tabs', source: 'src/tabs.ts', import: '{ shareAcrossTabs }', budget: 1088 },
  { name: 'debug', source: 'src/debug.ts', import: '{ explain }', budget: 1024, script: 1024 },
  { name: 'salesforce', source: 'src/adapters/salesforce.ts', import: '{ salesforceWidget }', budget: 1024, script: 1280 },
  { name: 'zendesk', source: 'src/adapters/zendesk.ts', import: '{ zendeskWidget }', budget: 1024, script: 1280 },
  { name: 'messenger', source: 'src/adapters/messenger.ts', import: '{ genesysMessenger }', budget: 1280, script: 2304 },
  { name: 'intercom', source: 'src/adapters/intercom.ts', import: '{ intercomWidget }', budget: 1024, script: 1280 },
  { name: 'twilio', source: 'src/adapters/twilio.ts', import: '{ twilioConversations }', budget: 1024, script: 1024 },
  { name: 'define', source: 'src/adapters/define.ts', import: '{ defineAdapter }', budget: 1024 },
  { name: 'react', source: 'src/bindings/react.ts', import: '{ useWidgetToken }', budget: 6758, peer: 'react' },
  { name: 'vue', source: 'src/bindings/vue.ts', import: '{ useWidgetToken }', budget: 6758, peer: 'vue' },
  { name: 'testing', source: 'src/testing/index.ts' },
]

/** The file name of an entry's script tag in dist/. */
export const scriptFile = ({ name }) => (name === 'index' ? 'widget-token.iife.min.js' : `widget-token.${name}.iife.min.js`)

/** The import path a user writes. */
export const importPath = ({ name }) => (name === 'index' ? 'widget-token' : `widget-token/${name}`)
