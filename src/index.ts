/**
 * The token manager: fetches the widget's JWT from your backend, checks it, hands it to the widget
 * and replaces it before it runs out, through hidden tabs, sleep, wrong clocks and disconnects. Also
 * the Embedded CX `gen` adapter, the errors and events, and tab sharing (on by default).
 *
 * @module
 */
export { createTokenManager } from './manager'
export type { EndpointOptions, FetchTokenOptions, TokenManager, TokenManagerOptions } from './manager'
export { genWidget } from './adapters/gen'
export type { GenApi, GenConfig, GenDisconnect, GenWidgetOptions } from './adapters/gen'
export type { ApplyContext, WidgetAdapter, WidgetHost } from './adapters/adapter'
export { WidgetTokenError, isWidgetTokenError } from './errors'
export type { ErrorCode, WidgetTokenErrorOptions } from './errors'
export type { EndedEvent, Events, ExpiredEvent, Listener, State, StateEvent, TokenEvent, Warning } from './events'
export type { FetchToken, Reason, TokenRequest, TokenResponse } from './source'
export type { Clock } from './clock'
export type { InspectOptions, TokenInfo } from './token'
export type { PageSetup, PageSignal } from './page'
export type { RetryPolicy } from './policy'
export { shareAcrossTabs } from './tabs'
export type { ShareAcrossTabsOptions, TabLink, TabListener, TabSync } from './tabs'
export type { Trail, TrailEntry } from './trail'
