// The portal page's own script: the SDK comes from its one <script> tag as the global WidgetToken.
import { showEvents } from '/shared/event-log.js'
import { createNetworkSwitch, createPlanWatch, showStatus } from '/shared/status-panel.js'

const post = (path, body = {}) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

const login = document.getElementById('login')
if (login) {
  login.addEventListener('submit', async (event) => {
    event.preventDefault()
    await post('/login', { name: new FormData(login).get('name') })
    location.reload()
  })
} else {
  const { organizationId, leewaySeconds } = JSON.parse(document.getElementById('settings').textContent)
  const { createTokenManager, genWidget } = window.WidgetToken
  const network = createNetworkSwitch()
  const plan = createPlanWatch()
  const manager = createTokenManager({
    endpoint: '/api/v1/embedded-cx/token',
    refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
    leewaySeconds,
    fetch: network.fetch,
    log: plan.log,
    widget: genWidget({
      config: {
        organization: { id: organizationId, region: 'mypurecloud.com' },
        settings: { routing: { queueId: 'messaging-queue', language: 'en-US' } },
      },
    }),
  })
  showEvents(manager, document.getElementById('log'))
  const status = document.createElement('section')
  status.id = 'panel'
  document.getElementById('log').before(status)
  showStatus(manager, status, {
    network,
    plan,
    signInAgain: async () => {
      await post('/logout')
      location.reload()
    },
    // The portal session is gone: the page stops promising a connected chat.
    onEnded: () => {
      window.gen?.destroy()
      document.querySelector('header p').textContent = 'Signed out'
      document.getElementById('intro').textContent = 'Your portal session ended, so the chat is signed out. Sign in again to chat.'
    },
  })
  document.getElementById('logout').addEventListener('click', async () => {
    await post('/logout')
    // The refresh meets the 401: this tab's run ends, and with it every other tab's.
    await manager.refresh().catch(() => {})
    location.reload()
  })
  window.portalManager = manager
  manager.start().catch(() => {})
}
