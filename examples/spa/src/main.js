// A single-page app that imports the SDK as a package and bundles it with its own code.
import { createTokenManager, genWidget } from 'widget-token'
import { shareAcrossTabs } from 'widget-token/tabs'
import { showEvents } from '../../shared/event-log.js'

const settings = JSON.parse(document.getElementById('settings').textContent)
const app = document.getElementById('app')
let manager

const post = (path, body = {}) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

function signedOut() {
  app.replaceChildren()
  const form = document.createElement('form')
  form.innerHTML = '<h1>Example SPA</h1><label>Name <input name="name" value="Grace"></label> <button>Sign in</button>'
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const { name } = await (await post('/login', { name: new FormData(form).get('name') })).json()
    signedIn(name)
  })
  app.append(form)
}

function signedIn(name) {
  app.innerHTML = '<header><h1>Example SPA</h1><p>Signed in as <span id="who"></span> <button id="logout">Sign out</button></p></header><ol id="log" aria-live="polite"></ol>'
  document.getElementById('who').textContent = name
  manager = createTokenManager({
    endpoint: '/api/v1/embedded-cx/token',
    refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
    leewaySeconds: settings.leewaySeconds,
    widget: genWidget({ config: { organization: { id: settings.organizationId, region: 'mypurecloud.com' } } }),
    // Several tabs of the app share one token request per lifetime.
    tabs: shareAcrossTabs(),
  })
  showEvents(manager, document.getElementById('log'))
  document.getElementById('logout').addEventListener('click', async () => {
    manager.stop()
    window.gen.destroy()
    await post('/logout')
    signedOut()
  })
  window.spaManager = manager
  manager.start().catch(() => {})
}

if (settings.signedInAs) signedIn(settings.signedInAs)
else signedOut()
