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
  td, th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; vertical-align: top; overflow-wrap: anywhere }
  /* Claims carry ids and digests longer than a phone is wide: wrap them rather than hide them. */
  pre { background: #f6f8fa; padding: .75rem; border-radius: 6px; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere }
  .muted { color: #667085 }
  .controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center }
  #activity { list-style: none; margin: .75rem 0 0; padding: 0; max-height: 16rem; overflow-y: auto; font-size: 13px }
  #activity li { padding: .2rem 0; border-bottom: 1px solid #eef0f3; overflow-wrap: anywhere }
  #activity time { color: #667085; margin-right: .5rem; font-variant-numeric: tabular-nums }
  #activity .you { font-weight: 600 }
  #activity .outcome { color: #05603a }
  #activity .worker { color: #475467; font-family: ui-monospace, monospace }
  #activity .error { color: #b42318 }
</style>
</head>
<body>
<h1>Two-phase data injection</h1>
<p class="muted">Phase 1: the portal signs a small token carrying a reference. Phase 2: the worker hears the new conversation,
looks the profile up server-side and writes it onto the conversation with the Platform API, once.</p>
<section>
  <h2>Start a chat</h2>
  <div class="controls">
    <label>Signed in as <select id="customer">${options}</select></label>
    <button id="start">Start a chat</button>
    <button id="redeliver" disabled>Send the event again</button>
    <button id="drop">Drop the worker's socket</button>
  </div>
  <p class="muted">What happened, newest first: what a button made the service do, what the worker did with each conversation, and its log.</p>
  <ol id="activity" aria-live="polite"></ol>
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
let lastSeq = 0

$('start').addEventListener('click', () => act(async () => {
  const response = await fetch('/demo/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customerId: $('customer').value }) })
  const chat = await answer(response)
  conversationId = chat.conversationId
  $('redeliver').disabled = false
  $('token-size').textContent = 'The token is ' + chat.tokenBytes + ' bytes; the profile behind it is ' + chat.profileBytes + ' bytes and stays on the server.'
  $('token-claims').textContent = JSON.stringify(chat.tokenClaims, null, 2)
  $('conversation').textContent = 'Conversation ' + conversationId
}))
$('redeliver').addEventListener('click', () => act(async () => answer(await fetch('/demo/conversations/' + conversationId + '/redeliver', { method: 'POST' }))))
$('drop').addEventListener('click', () => act(async () => answer(await fetch('/demo/drop-socket', { method: 'POST' }))))

/** Runs a button's request, then shows at once what it set off; a failure shows in the log too. */
async function act(request) {
  try {
    await request()
  } catch (error) {
    note({ at: Date.now(), kind: 'error', text: 'The demo server did not do it: ' + error.message })
  }
  await poll()
}

async function answer(response) {
  if (!response.ok) throw new Error(response.status + ' ' + (await response.text()))
  return response.status === 204 ? undefined : response.json()
}

async function refresh() {
  const { entries } = await (await fetch('/demo/activity?after=' + lastSeq)).json()
  for (const entry of entries) {
    // A click's poll and the timer's can overlap: each entry shows once.
    if (entry.seq <= lastSeq) continue
    lastSeq = entry.seq
    note(entry)
  }
  if (conversationId) await show()
}

function note(entry) {
  const item = document.createElement('li')
  item.className = entry.kind
  const time = document.createElement('time')
  time.dateTime = new Date(entry.at).toISOString()
  time.textContent = new Date(entry.at).toLocaleTimeString()
  item.append(time, entry.text)
  $('activity').prepend(item)
  while ($('activity').children.length > 200) $('activity').lastElementChild.remove()
}

// Polled, as the conversation already was: what the server did after a click arrives within half a second.
const poll = () => refresh().catch(() => {})
setInterval(poll, 500)
poll()

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
