// The demo's control panel: what the manager says (state, when the token runs out, when the next
// refresh is planned) and buttons that cause what the SDK is for (a dropped widget, an expired
// token, a network that goes away). It reads the manager's events and its `log` trail, never a token.

const REASONS = {
  start: 'the first token after sign-in',
  schedule: 'the planned refresh, before the token runs out',
  visible: 'the tab became visible while a refresh was due',
  resume: 'the tab came back from frozen, the back/forward cache, or sleep',
  online: 'the network came back',
  disconnect: 'the widget dropped its session',
  expired: 'the widget said its token ran out',
  manual: 'refresh() was called',
  retry: 'a retry after a failure',
  tab: 'another tab shared its token',
}

const seconds = (ms) => `${Math.max(0, Math.round(ms / 1000))} s`

/**
 * A network switch for the demo: `fetch` fails as an offline browser's does while it is off, and
 * turning it on fires `online`, as the browser would.
 */
export function createNetworkSwitch() {
  let offline = false
  return {
    fetch: (input, init) => (offline ? Promise.reject(new TypeError('Failed to fetch (demo: offline)')) : fetch(input, init)),
    get offline() {
      return offline
    },
    toggle() {
      offline = !offline
      if (!offline) window.dispatchEvent(new Event('online'))
    },
  }
}

/** Collects the planned refresh from the manager's trail; pass `trail.log` as the `log` option. */
export function createPlanWatch() {
  const watch = {
    refreshAt: undefined,
    log(entry) {
      if (entry.step === 'planned') watch.refreshAt = Date.now() + entry.refreshInMs
      if (entry.step === 'failed' && entry.retryInMs !== undefined) watch.refreshAt = Date.now() + entry.retryInMs
      if (entry.step === 'stopped' || entry.step === 'ended') watch.refreshAt = undefined
    },
  }
  return watch
}

/** Renders the panel into `container` and keeps it current; `onEnded` shows the signed-out view. */
export function showStatus(manager, container, { network, plan, onEnded }) {
  container.innerHTML = `
    <dl class="status">
      <div><dt>State</dt><dd id="state"></dd></div>
      <div><dt>Token runs out in</dt><dd id="expires"></dd></div>
      <div><dt>Next refresh in</dt><dd id="next"></dd></div>
    </dl>
    <p class="controls">
      <button type="button" id="disconnect">Drop the widget's session</button>
      <button type="button" id="expire">Expire the widget's token now</button>
      <button type="button" id="network">Go offline</button>
    </p>
    <details><summary>What the reasons in the log mean</summary><dl class="legend">${Object.entries(REASONS)
      .map(([reason, meaning]) => `<div><dt>${reason}</dt><dd>${meaning}</dd></div>`)
      .join('')}</dl></details>`
  const field = (id) => container.querySelector(`#${id}`)
  const render = () => {
    field('state').textContent = manager.state
    field('state').dataset.state = manager.state
    field('expires').textContent = manager.expiresAt === undefined ? '—' : seconds(manager.expiresAt - Date.now())
    field('next').textContent = plan.refreshAt === undefined ? '—' : seconds(plan.refreshAt - Date.now())
    field('network').textContent = network.offline ? 'Go online' : 'Go offline'
  }
  field('disconnect').addEventListener('click', () => window.gen?.simulateDisconnect())
  field('expire').addEventListener('click', () => window.gen?.simulateExpiry())
  field('network').addEventListener('click', () => {
    network.toggle()
    render()
  })
  const ticker = setInterval(render, 500)
  const unsubscribes = ['token', 'expired', 'error', 'ended'].map((type) => manager.on(type, render))
  manager.on('ended', (event) => {
    clearInterval(ticker)
    unsubscribes.forEach((unsubscribe) => unsubscribe())
    render()
    onEnded(event)
  })
  render()
}
