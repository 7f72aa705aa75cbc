// A single-page app in React that imports the SDK as a package and bundles it with its own code.
// Plain `createElement` (as `h`) instead of JSX keeps the build to rollup alone.
import { createElement as h, StrictMode, useEffect, useRef, useState } from 'react'
import { flushSync } from 'react-dom'
import { createRoot } from 'react-dom/client'
import { genWidget } from 'widget-token'
import { useWidgetToken } from 'widget-token/react'
import { showEvents } from '../../shared/event-log.js'
import { createNetworkSwitch, createPlanWatch, describeStatus, showStatus } from '../../shared/status-panel.js'

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
  // The demo's network switch and refresh plan, made once per mount like the manager.
  const [demo] = useState(() => ({ network: createNetworkSwitch(), plan: createPlanWatch() }))
  // Inline options: a new object on every render, and the manager still starts only once.
  const status = useWidgetToken({
    endpoint: '/api/v1/embedded-cx/token',
    refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
    leewaySeconds: settings.leewaySeconds,
    fetch: demo.network.fetch,
    log: demo.plan.log,
    // Tabs of the app share one token request per lifetime, as every manager does by default.
    widget: genWidget({ config: { organization: { id: settings.organizationId, region: 'mypurecloud.com' } } }),
  })
  const { manager } = status
  const log = useRef(null)
  const panel = useRef(null)
  const signOut = useRef(onSignOut)
  signOut.current = onSignOut
  // Effects run before the manager starts: the log and the panel see every event.
  useEffect(() => {
    window.spaManager = manager
    const hideLog = showEvents(manager, log.current)
    const hidePanel = showStatus(manager, panel.current, {
      ...demo,
      signInAgain: () => signOut.current(),
      onEnded: () => window.gen?.destroy(),
    })
    return () => {
      hideLog()
      hidePanel()
    }
  }, [manager, demo])

  return h(
    'div',
    null,
    h(
      'header',
      null,
      h('h1', null, 'Example SPA'),
      h('p', null, 'Signed in as ', h('span', { id: 'who' }, name), ' ', h('button', { id: 'logout', onClick: onSignOut }, 'Sign out')),
    ),
    // What the app tells its visitor, from the React binding; the panel below is the demo's view of the manager.
    h('p', { id: 'status', 'data-state': status.state }, describeStatus(status)),
    h('section', { id: 'panel', ref: panel }),
    h('ol', { id: 'log', 'aria-live': 'polite', ref: log }),
  )
}

createRoot(document.getElementById('app')).render(h(StrictMode, null, h(App)))
