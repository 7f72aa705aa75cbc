// A stand-in for the Genesys Cloud Embedded CX `gen` widget, as strict as the token-management guide
// describes the real one: it takes its JWT in `settings.authentication`, verifies it against the
// portal's published keys, and disconnects when the token expires or is refused. A disconnected widget
// "requires re-initialization": it ignores `updateConfiguration` (no error, no effect) until `init`.
;(() => {
  const TOLERANCE_MS = 5000
  const MAX_TOKEN_BYTES = 4096
  const DROPS = { expired: 'token expired', rejected: 'token refused', connection_lost: 'connection lost' }
  const handlers = new Map()
  const keys = new Map()
  const state = {
    // 'new' until the first init; 'connecting' while a token is verified; then 'connected' or 'disconnected'.
    phase: 'new', config: undefined, sub: '', tokenId: '', expiresAt: 0, disconnectReason: '',
    accepted: 0, rejected: 0, disconnects: 0, inits: 0, ignoredUpdates: 0,
  }
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
      Object.assign(state, { phase: 'connected', config, sub: claims.sub, tokenId: claims.jti ?? '', expiresAt: claims.exp * 1000, disconnectReason: '' })
      state.accepted++
      clearTimeout(expiryTimer)
      expiryTimer = setTimeout(expire, state.expiresAt + TOLERANCE_MS - Date.now())
      emit('ready')
    } catch (error) {
      if (attempt !== generation) return
      state.rejected++
      drop('rejected', error.message)
    }
    render()
  }

  function expire() {
    // Timers fire early after a clock change and late in frozen tabs: the clock decides.
    const remaining = state.expiresAt + TOLERANCE_MS - Date.now()
    if (remaining > 0) expiryTimer = setTimeout(expire, remaining)
    else drop('expired')
  }

  /** `reason` is `expired` when the token ran out, as the SDK's gen adapter expects; anything else is a drop. */
  function drop(reason, message) {
    clearTimeout(expiryTimer)
    // A verification still running belongs to the session that just ended.
    generation++
    state.phase = 'disconnected'
    state.disconnectReason = reason
    render()
    emit('disconnected', message ? { reason, message } : { reason })
  }

  // Floating in the corner only where the page's 52rem column leaves room for it; elsewhere (a phone
  // at 390 px, a narrow window) it sits in the flow above the page, so it covers nothing.
  const roomy = window.matchMedia('(min-width: 88rem)')
  const floating = { position: 'fixed', right: '1rem', bottom: '1rem', margin: '0', maxWidth: '20rem' }
  const inFlow = { position: 'static', right: '', bottom: '', margin: '0 0 1rem', maxWidth: 'none' }

  function place() {
    if (!panel) return
    Object.assign(panel.style, roomy.matches ? floating : inFlow)
    if (roomy.matches) document.body.append(panel)
    else document.body.prepend(panel)
  }

  function render() {
    if (!document.body) return
    if (!panel) {
      panel = document.createElement('aside')
      panel.id = 'gen-widget'
      panel.setAttribute('aria-live', 'polite')
      Object.assign(panel.style, {
        padding: '.8rem 1rem', borderRadius: '.5rem', boxSizing: 'border-box',
        font: '14px/1.4 system-ui, sans-serif', color: '#fff', boxShadow: '0 2px 8px #0003',
      })
      place()
      roomy.addEventListener('change', place)
      renderTimer = setInterval(render, 1000)
    }
    const secondsLeft = Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000))
    const connected = state.phase === 'connected'
    panel.style.background = connected ? '#1a7f37' : state.phase === 'connecting' ? '#57606a' : '#b42318'
    // Subjects are long ids; the first characters are enough to tell visitors apart.
    const who = state.sub.length > 14 ? `${state.sub.slice(0, 13)}…` : state.sub
    panel.textContent = connected
      ? `Chat connected · ${who} · token ${secondsLeft} s left`
      : state.phase === 'connecting'
        ? 'Chat connecting…'
        : `Chat disconnected (${DROPS[state.disconnectReason] ?? state.disconnectReason}) · waiting to be started again`
  }

  window.gen = {
    init(config) {
      state.inits++
      state.phase = 'connecting'
      render()
      void connect(config)
    },
    updateConfiguration(config) {
      if (state.phase === 'new') throw new Error('gen.updateConfiguration before gen.init')
      // The guide's widget: once disconnected, only a new init brings it back; an update is dropped silently.
      if (state.phase === 'disconnected') {
        state.ignoredUpdates++
        return
      }
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
      roomy.removeEventListener('change', place)
      Object.assign(state, { phase: 'new', config: undefined })
      panel?.remove()
      panel = undefined
    },
    /** Read-only status for the demo and the tests; never the token. */
    status: () => ({
      connected: state.phase === 'connected',
      phase: state.phase,
      disconnectReason: state.disconnectReason,
      sub: state.sub,
      // The token's `jti` and `exp` tell one token from another; the token itself never leaves the widget.
      tokenId: state.tokenId,
      expiresAt: state.expiresAt,
      secondsLeft: Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000)),
      tokensAccepted: state.accepted,
      tokensRejected: state.rejected,
      disconnects: state.disconnects,
      inits: state.inits,
      ignoredUpdates: state.ignoredUpdates,
    }),
    /** Drops the session `times` times in a row, as a flaky connection does. */
    simulateDisconnect(times = 1) {
      for (let i = 0; i < times; i++) drop('connection_lost')
    },
    /** Lets the current token run out now, as if the portal had stopped refreshing it. */
    simulateExpiry() {
      state.expiresAt = Date.now() - 1
      drop('expired')
    },
  }
})()
