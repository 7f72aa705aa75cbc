// The demo's control panel, one piece for the portal, the React SPA and the Vue app: what the manager
// says (its state, when the token runs out, when the next refresh is planned), buttons that cause what
// the SDK is for (a dropped widget, an expired token, a network that goes away) and a legend. It reads
// the manager's events and its `log` trail, never a token.

export const STATES = {
  idle: 'not started yet',
  starting: 'asking for the first token',
  active: 'the widget is connected and holds a valid token',
  refreshing: 'a planned refresh is under way; the widget still holds a valid token',
  recovering: 'the widget lost its session (dropped, or refused a token) and is being brought back',
  expired: 'the token ran out before a new one arrived; the SDK keeps trying',
  ended: 'the portal session is gone (sign in again); nothing more is asked',
  stopped: 'stop() was called',
}

export const REASONS = {
  start: 'the first token after sign-in',
  schedule: 'the planned refresh, before the token runs out',
  visible: 'the tab became visible while a refresh was due',
  resume: 'the tab came back from frozen, the back/forward cache, or sleep',
  online: 'the network came back',
  disconnect: 'the widget dropped its session',
  expired: 'the widget said its token ran out',
  refused: 'the widget refused a token it asked for',
  manual: 'refresh() was called',
  retry: 'a retry after a failure',
  tab: 'another tab shared its token',
}

export const CODES = {
  network: 'the request failed: offline, DNS, or CORS; retried with backoff',
  timeout: 'no answer within requestTimeoutMs; retried',
  http: 'a 408 or 5xx from the token service (retried), or another 4xx (ends)',
  rate_limited: 'the token service answered 429; retried after its Retry-After',
  unauthorized: 'the portal session is gone (401/403): the run ends, sign in again',
  forbidden: "the token service refused this page's origin (403 foreign_origin): a setup error, the run ends",
  bad_response: 'the answer was not JSON or had no token; retried once',
  malformed_token: 'the token is not a JWT; retried once',
  missing_exp: 'the token has no numeric exp claim; retried once',
  invalid_lifetime: 'the token expires before it was issued; retried once',
  expired_token: 'the token had already run out; retried once',
  audience_mismatch: "the token's aud is not the widget's organization; retried once",
  token_too_large: 'the token is over 4096 bytes; retried once',
  widget_unavailable: 'the widget script never loaded: the run ends',
  widget_rejected: 'the widget refused its token, or dropped it within 10 s of getting it; retried with backoff',
  insecure_endpoint: 'the endpoint is neither https nor loopback: thrown at construction',
}

const seconds = (ms) => `${Math.max(0, Math.round(ms / 1000))} s`
const time = (epochMs) => new Date(epochMs).toLocaleTimeString()

/** One sentence for a page's status line, from a binding's `{ state, expiresAt, error }`. */
export function describeStatus({ state, expiresAt, error }) {
  if (state === 'ended') return `Chat signed out (${error?.code ?? 'ended'}): sign in again.`
  if (state === 'active' || state === 'refreshing') return `Chat connected; token valid until ${time(expiresAt)}.`
  if (state === 'recovering') return `Chat reconnecting${error ? ` (${error.code})` : ''}…`
  if (state === 'expired') return `Chat token ran out${error ? ` (${error.code})` : ''}; trying again…`
  return 'Connecting the chat…'
}

/**
 * A network switch for the demo: `fetch` fails as an offline browser's does while it is off, and
 * turning it on fires `online`, as the browser would.
 */
export function createNetworkSwitch() {
  let offline = false
  return {
    fetch: (input, init) => (offline ? Promise.reject(new TypeError('Failed to fetch (demo: offline)')) : fetch(input, init)),
    /** Off by the switch, or for real (the browser's own offline mode). */
    get offline() {
      return offline || !navigator.onLine
    },
    get switchedOff() {
      return offline
    },
    toggle() {
      offline = !offline
      if (!offline) window.dispatchEvent(new Event('online'))
    },
  }
}

/** Collects the planned refresh from the manager's trail; pass `plan.log` as the `log` option. */
export function createPlanWatch() {
  const watch = {
    refreshAt: undefined,
    // Whether `refreshAt` is a retry after a failure rather than the planned refresh.
    retrying: false,
    log(entry) {
      if (entry.step === 'planned') Object.assign(watch, { refreshAt: Date.now() + entry.refreshInMs, retrying: false })
      if ((entry.step === 'failed' || entry.step === 'rejected') && entry.retryInMs !== undefined) {
        Object.assign(watch, { refreshAt: Date.now() + entry.retryInMs, retrying: true })
      }
      if (entry.step === 'stopped' || entry.step === 'ended') Object.assign(watch, { refreshAt: undefined, retrying: false })
    },
  }
  return watch
}

const legend = (title, entries) =>
  `<h3>${title}</h3><dl class="legend">${Object.entries(entries)
    .map(([term, meaning]) => `<div><dt>${term}</dt><dd>${meaning}</dd></div>`)
    .join('')}</dl>`

const PANEL = `
  <dl class="status">
    <div><dt>State</dt><dd id="state"></dd></div>
    <div><dt>Token runs out in</dt><dd id="expires"></dd></div>
    <div><dt>Next refresh in</dt><dd id="next"></dd></div>
  </dl>
  <p class="notice" id="network-note" hidden></p>
  <p class="controls">
    <button type="button" id="disconnect">Drop the widget's session</button>
    <button type="button" id="expire">Expire the widget's token now</button>
    <button type="button" id="network">Go offline</button>
  </p>
  <details><summary>What the states, reasons and error codes mean</summary>
    ${legend('States', STATES)}${legend('Reasons (why a token was asked for)', REASONS)}${legend('Error codes', CODES)}
  </details>`

/** What going offline does next, in the page's words; undefined while online. */
function networkNote(network, manager, plan) {
  if (!network.offline) return undefined
  const inMs = plan.refreshAt === undefined ? undefined : seconds(plan.refreshAt - Date.now())
  const next = inMs === undefined || !plan.retrying ? 'the SDK tries again with backoff' : `the SDK tries again in ${inMs}`
  const back = network.switchedOff ? 'you press "Go online"' : 'the network comes back'
  const ranOut = manager.state === 'expired' || (manager.expiresAt !== undefined && manager.expiresAt <= Date.now())
  if (ranOut) return `Offline: the token ran out and the chat is disconnected. ${capitalise(next)}, and at once when ${back}; the widget is then started again.`
  if (manager.state === 'recovering') return `Offline: the widget lost its session. ${capitalise(next)}, and at once when ${back}; the widget is then started again.`
  const left = manager.expiresAt === undefined ? '' : ` for ${seconds(manager.expiresAt - Date.now())}`
  const then = plan.retrying || inMs === undefined ? `${next}, and at once when ${back}` : `the next refresh is due in ${inMs}; should it fail, the SDK tries again with backoff, and at once when ${back}`
  return `Offline: token requests fail as they would without a network. The widget keeps its token${left}; ${then}.`
}

const capitalise = (text) => text[0].toUpperCase() + text.slice(1)

/**
 * Renders the panel into `container` and keeps it current; returns what takes it down. When the run
 * ends, the buttons give way to a notice whose button calls `signInAgain`; `onEnded` lets the page
 * change the rest of itself.
 */
export function showStatus(manager, container, { network, plan, signInAgain, onEnded = () => {} }) {
  container.innerHTML = PANEL
  const field = (id) => container.querySelector(`#${id}`)
  // The state as the `state` events report it, so every change shows, however short.
  let state = manager.state
  const render = () => renderPanel(field, { state, manager, plan, network })
  field('disconnect').addEventListener('click', () => window.gen?.simulateDisconnect())
  field('expire').addEventListener('click', () => window.gen?.simulateExpiry())
  field('network').addEventListener('click', () => {
    network.toggle()
    render()
  })
  const ticker = setInterval(render, 500)
  const unsubscribes = [
    manager.on('state', (change) => {
      state = change.state
      render()
    }),
    ...['token', 'expired', 'error'].map((type) => manager.on(type, render)),
    manager.on('ended', (event) => {
      clearInterval(ticker)
      state = 'ended'
      render()
      showEnded(field('network-note').nextElementSibling, event.error, signInAgain)
      onEnded(event)
    }),
  ]
  for (const type of ['online', 'offline']) window.addEventListener(type, render)
  render()
  return () => {
    clearInterval(ticker)
    unsubscribes.forEach((unsubscribe) => unsubscribe())
    for (const type of ['online', 'offline']) window.removeEventListener(type, render)
    container.replaceChildren()
  }
}

function renderPanel(field, { state, manager, plan, network }) {
  field('state').textContent = state
  field('state').dataset.state = state
  field('state').title = STATES[state] ?? ''
  field('expires').textContent = manager.expiresAt === undefined ? '—' : seconds(manager.expiresAt - Date.now())
  field('next').textContent = plan.refreshAt === undefined || state === 'ended' ? '—' : seconds(plan.refreshAt - Date.now())
  const note = state === 'ended' ? undefined : networkNote(network, manager, plan)
  field('network-note').hidden = note === undefined
  field('network-note').textContent = note ?? ''
  // Gone once the run ended: the buttons gave way to the sign-in notice.
  if (field('network')) field('network').textContent = network.switchedOff ? 'Go online' : 'Go offline'
}

/** Replaces the buttons with what the visitor can still do. */
function showEnded(controls, error, signInAgain) {
  const notice = document.createElement('p')
  notice.className = 'ended'
  notice.textContent = `The portal session ended (${error.code}): the widget is signed out and no more tokens are asked for. `
  const button = document.createElement('button')
  button.type = 'button'
  button.id = 'sign-in'
  button.textContent = 'Sign in again'
  button.addEventListener('click', () => signInAgain())
  notice.append(button)
  controls.replaceWith(notice)
}
