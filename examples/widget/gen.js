// A stand-in for the Genesys Cloud Embedded CX `gen` widget, behaving as the token-management guide
// describes the real one: it takes its JWT in `settings.authentication`, verifies it against the
// portal's published keys, and disconnects when the token expires or is refused.
;(() => {
  const TOLERANCE_MS = 5000
  const MAX_TOKEN_BYTES = 4096
  const handlers = new Map()
  const keys = new Map()
  const state = { config: undefined, connected: false, sub: '', expiresAt: 0, accepted: 0, rejected: 0, disconnects: 0 }
  let generation = 0
  let expiryTimer
  let panel
  let renderTimer

  const emit = (event, detail) => {
    if (event === 'disconnected') state.disconnects++
    for (const handler of [...(handlers.get(event) ?? [])]) handler(detail)
  }

  const decodePart = (part) => JSON.parse(new TextDecoder().decode(bytes(part)))
  const bytes = (base64url) => Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0))

  async function publicKey(kid) {
    if (!keys.has(kid)) {
      const { keys: published } = await (await fetch('/.well-known/jwks.json', { cache: 'no-store' })).json()
      for (const jwk of published) {
        keys.set(jwk.kid, crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']))
      }
    }
    const key = keys.get(kid)
    if (!key) throw new Error('unknown signing key')
    return key
  }

  async function verify(token, organizationId) {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_BYTES) throw new Error('token missing or too large')
    const [header, payload, signature] = token.split('.')
    const { alg, kid } = decodePart(header)
    if (alg !== 'RS256') throw new Error('unsupported algorithm')
    const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', await publicKey(kid), bytes(signature), new TextEncoder().encode(`${header}.${payload}`))
    if (!valid) throw new Error('bad signature')
    const claims = decodePart(payload)
    if (claims.aud !== organizationId) throw new Error('audience is not this organization')
    if (claims.exp * 1000 + TOLERANCE_MS <= Date.now()) throw new Error('token expired')
    if (claims.iat * 1000 - TOLERANCE_MS > Date.now()) throw new Error('token not yet valid')
    return claims
  }

  async function connect(config) {
    const attempt = ++generation
    try {
      const claims = await verify(config?.settings?.authentication?.token, config?.organization?.id)
      if (attempt !== generation) return
      state.config = config
      state.connected = true
      state.sub = claims.sub
      state.expiresAt = claims.exp * 1000
      state.accepted++
      clearTimeout(expiryTimer)
      expiryTimer = setTimeout(expire, state.expiresAt + TOLERANCE_MS - Date.now())
      emit('ready')
    } catch (error) {
      if (attempt !== generation) return
      state.rejected++
      drop(`rejected: ${error.message}`)
    }
    render()
  }

  function expire() {
    // Timers fire early after a clock change and late in frozen tabs: the clock decides.
    const remaining = state.expiresAt + TOLERANCE_MS - Date.now()
    if (remaining > 0) expiryTimer = setTimeout(expire, remaining)
    else drop('token expired')
  }

  function drop(reason) {
    clearTimeout(expiryTimer)
    state.connected = false
    render()
    emit('disconnected', { reason })
  }

  function render() {
    if (!document.body) return
    if (!panel) {
      panel = document.createElement('aside')
      panel.id = 'gen-widget'
      panel.setAttribute('aria-live', 'polite')
      Object.assign(panel.style, {
        position: 'fixed', right: '1rem', bottom: '1rem', padding: '.8rem 1rem', borderRadius: '.5rem',
        font: '14px/1.4 system-ui, sans-serif', color: '#fff', boxShadow: '0 2px 8px #0003', minWidth: '15rem',
      })
      document.body.append(panel)
      renderTimer = setInterval(render, 1000)
    }
    const secondsLeft = Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000))
    panel.style.background = state.connected ? '#1a7f37' : '#b42318'
    panel.style.maxWidth = 'calc(100vw - 2rem)'
    // Subjects are long ids; the first characters are enough to tell visitors apart.
    const who = state.sub.length > 14 ? `${state.sub.slice(0, 13)}…` : state.sub
    panel.textContent = state.connected
      ? `Chat connected · ${who} · token ${secondsLeft} s left`
      : `Chat disconnected${state.config ? ' · waiting for a new token' : ''}`
  }

  window.gen = {
    init(config) {
      void connect(config)
    },
    updateConfiguration(config) {
      if (!state.config && !generation) throw new Error('gen.updateConfiguration before gen.init')
      void connect(config)
    },
    on(event, handler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler])
    },
    off(event, handler) {
      handlers.set(event, (handlers.get(event) ?? []).filter((registered) => registered !== handler))
    },
    destroy() {
      generation++
      clearTimeout(expiryTimer)
      clearInterval(renderTimer)
      Object.assign(state, { config: undefined, connected: false })
      panel?.remove()
      panel = undefined
    },
    /** Read-only status for the demo and the tests; never the token. */
    status: () => ({
      connected: state.connected,
      sub: state.sub,
      secondsLeft: Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000)),
      tokensAccepted: state.accepted,
      tokensRejected: state.rejected,
      disconnects: state.disconnects,
    }),
    /** Drops the session `times` times in a row, as a flaky connection does. */
    simulateDisconnect(times = 1) {
      for (let i = 0; i < times; i++) drop('simulated')
    },
    /** Lets the current token run out now, as if the portal had stopped refreshing it. */
    simulateExpiry() {
      state.expiresAt = Date.now() - 1
      drop('token expired')
    },
  }
})()
