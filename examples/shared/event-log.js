// Shows the SDK's events as they happen: every change of state, what triggered each token and when it
// runs out. The token itself is never in an event, so it cannot end up here.

const time = (epochMs) => new Date(epochMs).toLocaleTimeString()

const describe = {
  state: ({ state, previous }) => `state ${previous} → ${state}`,
  token: ({ reason, expiresAt }) => `new token (${reason}), valid until ${time(expiresAt)}`,
  expired: ({ expiredAt }) => `the widget's token ran out at ${time(expiredAt)}`,
  error: (error) => `${error.code}${error.retryable ? `, trying again in ${Math.ceil(error.retryInMs / 1000)} s` : ''}`,
  ended: ({ error }) => `ended (${error.code}): sign in again`,
  warning: (warning) => `warning: ${warning.code}`,
}

/** Appends a line to `list` for every event of `manager`; returns what unsubscribes. */
export function showEvents(manager, list) {
  const unsubscribes = Object.entries(describe).map(([type, text]) =>
    manager.on(type, (event) => {
      const item = document.createElement('li')
      item.className = type
      // Machine-readable too, for whoever watches the page (the real-browser tests do).
      Object.assign(item.dataset, {
        reason: event.reason ?? '',
        code: event.code ?? event.error?.code ?? '',
        retryInMs: event.retryInMs ?? '',
        state: event.state ?? '',
      })
      item.textContent = `${new Date().toLocaleTimeString()}  ${text(event)}`
      list.prepend(item)
    }),
  )
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe())
}
