import { importOnDemand, installOnDemand } from '../../scripts/on-demand.mjs'

/**
 * The libraries the bench compares widget-token with, pinned. Only the bench uses them, so they are
 * not dev dependencies: the bench installs them under node_modules/.cache on its first run.
 * `firebase/auth` is `@firebase/auth`, which it re-exports.
 */
export const PEER_PACKAGES = [
  'oidc-client-ts@3.5.0',
  '@supabase/auth-js@2.99.3',
  '@auth0/auth0-spa-js@2.20.0',
  '@azure/msal-browser@5.31.0',
  '@firebase/auth@1.13.9',
  '@firebase/app@0.16.5',
]

/** The folder whose node_modules holds the peers, installed on first use. */
export const peerFolder = (): string => installOnDemand(PEER_PACKAGES)

/** A peer's module, typed by the caller: only the parts the bench drives. */
export const importPeer = <Module>(name: string): Promise<Module> => importOnDemand(peerFolder(), name) as Promise<Module>
