/** @module cli/client-config — the client config file (~/.config/skiff/config.json, falling back to Velero's). */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseGoBool, splitCommaList } from './flags.ts';

/** The keys `skiff client config set` accepts; Velero knows the same four. */
export const CLIENT_CONFIG_KEYS = ['namespace', 'features', 'colorized', 'cacert'] as const;
export type ClientConfigKey = (typeof CLIENT_CONFIG_KEYS)[number];

/** Raw file contents. Values are strings when Skiff wrote them; others are ignored on read. */
export type ClientConfigValues = Record<string, unknown>;

export interface LoadedClientConfig {
  /** The file the values came from; undefined when neither file exists. */
  path: string | undefined;
  values: ClientConfigValues;
}

export function skiffConfigPath(homeDir: string): string {
  return join(homeDir, '.config', 'skiff', 'config.json');
}

export function veleroConfigPath(homeDir: string): string {
  return join(homeDir, '.config', 'velero', 'config.json');
}

/** Thrown when the config file cannot be read or is not a JSON object; names the file. */
export class ClientConfigError extends Error {
  constructor(path: string, detail: string) {
    super(`error reading client config file ${path}: ${detail}`);
    this.name = 'ClientConfigError';
  }
}

function readConfigFile(path: string): ClientConfigValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClientConfigError(path, (err as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ClientConfigError(path, `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ClientConfigError(path, 'expected a JSON object of strings');
  }
  return parsed as ClientConfigValues;
}

/**
 * Loads Skiff's file, or Velero's when Skiff's does not exist, so a Velero
 * user keeps their settings. Neither file → empty values.
 */
export function loadClientConfig(homeDir: string): LoadedClientConfig {
  for (const path of [skiffConfigPath(homeDir), veleroConfigPath(homeDir)]) {
    if (existsSync(path)) return { path, values: readConfigFile(path) };
  }
  return { path: undefined, values: {} };
}

/**
 * Writes Skiff's file (directory 0700, file 0600: it may name a CA bundle and
 * a namespace, nobody else needs to read it). Atomic via rename so a crash
 * never leaves half a file. Returns the path written.
 */
export function saveClientConfig(homeDir: string, values: ClientConfigValues): string {
  const path = skiffConfigPath(homeDir);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(values)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

/** A string value, or undefined when missing, empty or not a string (Velero ignores those too). */
export function configString(values: ClientConfigValues, key: ClientConfigKey): string | undefined {
  const v = values[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function configFeatures(values: ClientConfigValues): string[] {
  return splitCommaList(configString(values, 'features') ?? '');
}

/** Velero's rule: missing or unparsable `colorized` means true. */
export function configColorized(values: ClientConfigValues): boolean {
  return parseGoBool(configString(values, 'colorized') ?? '') ?? true;
}

export function isClientConfigKey(key: string): key is ClientConfigKey {
  return (CLIENT_CONFIG_KEYS as readonly string[]).includes(key);
}
