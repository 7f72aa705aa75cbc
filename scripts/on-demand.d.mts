/** Installs exactly pinned packages (`name@1.2.3`) together under node_modules/.cache, once; returns their folder. */
export function installOnDemand(packages: readonly string[]): string
/** Imports `name` from a folder `installOnDemand` filled. */
export function importOnDemand(folder: string, name: string): Promise<unknown>
