// The example pages. Everything dynamic is escaped; scripts and styles run only with the nonce.

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char])

// JSON inside <script type="application/json"> must not be able to close the element.
const json = (value) => JSON.stringify(value).replace(/</g, '\\u003c')

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; color: #1b1f24 }
  header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0 1rem }
  form { display: inline }
  button { font: inherit; padding: .3rem .9rem }
  #log { font: 13px/1.6 ui-monospace, monospace; background: #f4f6f8; padding: .8rem 1rem; min-height: 8rem; list-style: none; overflow-wrap: anywhere }
  #log .error, #log .ended, #log .expired { color: #b42318 }
  #log .token { color: #1a7f37 }
  #log .state { color: #57606a }
  .status { display: flex; flex-wrap: wrap; gap: .5rem 2.5rem; margin: 1rem 0 }
  .status dd, .legend dd { margin: 0 }
  .status dd { font: 600 1.3rem/1.3 ui-monospace, monospace }
  .status [data-state=active], .status [data-state=refreshing] { color: #1a7f37 }
  .status [data-state=starting], .status [data-state=recovering] { color: #9a6700 }
  .status [data-state=expired], .status [data-state=ended] { color: #b42318 }
  .notice { background: #fff8c5; border-left: 4px solid #9a6700; padding: .5rem .8rem }
  .ended { background: #ffebe9; border-left: 4px solid #b42318; padding: .5rem .8rem }
  .controls { display: flex; flex-wrap: wrap; gap: .5rem }
  details h3 { font-size: 1rem; margin: 1rem 0 .3rem }
  .legend div { display: flex; flex-wrap: wrap; gap: 0 1rem } .legend dt { min-width: 9.5rem; font-family: ui-monospace, monospace }
  .legend dd { flex: 1 1 16rem }
`

function layout({ nonce, title, body }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body>
${body}
</body>
</html>`
}

/** The server-rendered portal: one script tag for the SDK, one for the widget, one for the page. */
export function portalPage({ nonce, session, settings }) {
  if (!session) {
    return layout({
      nonce,
      title: 'Example portal: sign in',
      body: `<h1>Example portal</h1>
<p>Sign in to chat with support. The chat widget stays connected while its token is refreshed in the background.</p>
<form id="login"><label>Name <input name="name" value="Ada" autocomplete="name"></label> <button>Sign in</button></form>
<script nonce="${nonce}" type="module" src="/portal/portal.js"></script>`,
    })
  }
  return layout({
    nonce,
    title: 'Example portal',
    body: `<header><h1>Example portal</h1><p>Signed in as ${escape(session.name)} <button id="logout">Sign out</button></p></header>
<p id="intro">Each token is replaced ${escape(settings.leewaySeconds)} s before it expires: watch the log and the widget stay connected without a reload.</p>
<ol id="log" aria-live="polite"></ol>
<script type="application/json" id="settings">${json(settings)}</script>
<script nonce="${nonce}" src="/widget/gen.js"></script>
<script nonce="${nonce}" src="/widget-token.iife.min.js"></script>
<script nonce="${nonce}" type="module" src="/portal/portal.js"></script>`,
  })
}

/** The single-page app's shell; the app itself is the ESM build bundled by rollup. */
export function spaPage({ nonce, settings, app = '/spa/app.js', title = 'Example SPA' }) {
  return layout({
    nonce,
    title,
    body: `<div id="app"></div>
<script type="application/json" id="settings">${json(settings)}</script>
<script nonce="${nonce}" src="/widget/gen.js"></script>
<script nonce="${nonce}" type="module" src="${escape(app)}"></script>`,
  })
}
