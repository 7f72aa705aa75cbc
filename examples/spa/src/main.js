// A single-page app in React that imports the SDK as a package and bundles it with its own code.
// Plain `createElement` (as `h`) instead of JSX keeps the build to rollup alone.
import { createElement as h, StrictMode, useEffect, useRef, useState } from 'react'
import { flushSync } from 'react-dom'
import { createRoot } from 'react-dom/client'
import { genWidget } from 'widget-token'
import { useWidgetToken } from 'widget-token/react'
import { showEvents } from '../../shared/event-log.js'

const settings = JSON.parse(document.getElementById('settings').textContent)

const post = (path, body = {}) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

function App() {
  const [name, setName] = useState(settings.signedInAs)
  if (!name) return h(SignIn, { onSignedIn: setName })
  return h(Portal, {
    name,
    async onSignOut() {
      // Unmounting the portal stops the token manager before the session goes.
      flushSync(() => setName(undefined))
      window.gen.destroy()
      await post('/logout')
    },
  })
}

function SignIn({ onSignedIn }) {
  async function submit(event) {
    event.preventDefault()
    const { name } = await (await post('/login', { name: new FormData(event.currentTarget).get('name') })).json()
    onSignedIn(name)
  }
  return h(
    'form',
    { onSubmit: submit },
    h('h1', null, 'Example SPA'),
    h('label', null, 'Name ', h('input', { name: 'name', defaultValue: 'Grace' })),
    ' ',
    h('button', null, 'Sign in'),
  )
}

function Portal({ name, onSignOut }) {
  // Inline options: a new object on every render, and the manager still starts only once.
  const { state, expiresAt, error, manager } = useWidgetToken({
    endpoint: '/api/v1/embedded-cx/token',
    refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
    leewaySeconds: settings.leewaySeconds,
    // Tabs of the app share one token request per lifetime, as every manager does by default.
    widget: genWidget({ config: { organization: { id: settings.organizationId, region: 'mypurecloud.com' } } }),
  })
  const log = useRef(null)
  // Effects run before the manager starts: the log sees every event.
  useEffect(() => {
    window.spaManager = manager
    return showEvents(manager, log.current)
  }, [manager])

  return h(
    'div',
    null,
    h(
      'header',
      null,
      h('h1', null, 'Example SPA'),
      h('p', null, 'Signed in as ', h('span', { id: 'who' }, name), ' ', h('button', { id: 'logout', onClick: onSignOut }, 'Sign out')),
    ),
    h('p', { id: 'status' }, describe(state, expiresAt, error)),
    h('ol', { id: 'log', 'aria-live': 'polite', ref: log }),
  )
}

function describe(state, expiresAt, error) {
  if (state === 'ended') return `Chat signed out (${error.code}): sign in again.`
  if (error) return `Chat reconnecting (${error.code}).`
  if (state === 'active') return `Chat connected; token valid until ${new Date(expiresAt).toLocaleTimeString()}.`
  return 'Connecting the chat…'
}

createRoot(document.getElementById('app')).render(h(StrictMode, null, h(App)))
