/** @module util/version: Skiff's own version, read from package.json, for the client and the server alike. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout or installed package root: `src/util/` is two levels below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `v` + package.json's version, as Velero prints `v1.x.y`; `v0.0.0-unknown` when it cannot be read. */
export function skiffVersion(rootDir: string = PACKAGE_ROOT): string {
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  return typeof version === 'string' ? `v${version}` : 'v0.0.0-unknown';
}

/** Major and minor of a `v1.2.3`-style version, or undefined when it is not one. */
export function majorMinor(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}
