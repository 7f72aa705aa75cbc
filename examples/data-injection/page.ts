const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

export function demoPage(customers: Array<{ customerId: string; displayName: string }>): string {
  const options = customers.map(({ customerId, displayName }) => `<option value="${escape(customerId)}">${escape(displayName)}</option>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Two-phase data injection</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2430 }
  section { border: 1px solid #d5dae1; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0 }
  h2 { font-size: 1rem; margin: 0 0 .5rem }
  table { border-collapse: collapse; width: 100% }
  td, th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; vertical-align: top; word-break: break-all }
  pre { background: #f6f8fa; padding: .75rem; border-radius: 6px; overflow-x: auto; margin: 0 }
  .muted { color: #667085 }
</style>
</head>
<body>
<h1>Two-phase data injection</h1>
<p class="muted">Phase 1: the portal signs a small token carrying a reference. Phase 2: the worker hears the new conversation,
looks the profile up server-side and writes it onto the conversation with the Platform API, once.</p>
<section>
  <h2>Start a chat</h2>
  <label>Signed in as <select id="customer">${options}</select></label>
  <button id="start">Start a chat</button>
  <button id="redeliver" disabled>Send the event again</button>
  <button id="drop">Drop the worker's socket</button>
</section>
<section>
  <h2>The widget's token</h2>
  <p id="token-size" class="muted">No chat yet.</p>
  <pre id="token-claims"></pre>
</section>
<section>
  <h2>What reached the conversation</h2>
  <p id="conversation" class="muted"></p>
  <table><thead><tr><th>participant attribute</th><th>value</th></tr></thead><tbody id="attributes"></tbody></table>
  <p><strong>Secure attributes</strong> (values not shown to agents): <span id="secure"></span></p>
  <p><strong>PATCH requests</strong>: <span id="patches"></span></p>
</section>
<script src="/demo.js"></script>
</body>
</html>`
}

export const demoScript = `
const $ = (id) => document.getElementById(id)
let conversationId
let timer

$('start').addEventListener('click', async () => {
  const response = await fetch('/demo/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customerId: $('customer').value }) })
  const chat = await response.json()
  conversationId = chat.conversationId
  $('redeliver').disabled = false
  $('token-size').textContent = 'The token is ' + chat.tokenBytes + ' bytes; the profile behind it is ' + chat.profileBytes + ' bytes and stays on the server.'
  $('token-claims').textContent = JSON.stringify(chat.tokenClaims, null, 2)
  $('conversation').textContent = 'Conversation ' + conversationId
  clearInterval(timer)
  timer = setInterval(show, 500)
  show()
})
$('redeliver').addEventListener('click', () => fetch('/demo/conversations/' + conversationId + '/redeliver', { method: 'POST' }))
$('drop').addEventListener('click', () => fetch('/demo/drop-socket', { method: 'POST' }))

async function show() {
  const view = await (await fetch('/demo/conversations/' + conversationId)).json()
  const rows = Object.entries(view.participantAttributes).map(([name, value]) => {
    const row = document.createElement('tr')
    for (const text of [name, value]) {
      const cell = document.createElement('td')
      cell.textContent = text
      row.append(cell)
    }
    return row
  })
  $('attributes').replaceChildren(...rows)
  $('secure').textContent = view.secureAttributeNames.join(', ') || 'none yet'
  $('patches').textContent = view.patches.length ? view.patches.map((patch) => patch.endpoint).join(', ') + ' (' + view.patches.length + ')' : 'none yet'
}
`
