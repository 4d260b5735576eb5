/** @module repo/config: the repository config (ADR 0015): written once at init, sealed with the master key. */
import { isObjectNotFound, isStorageError, readObject, type ObjectStore } from '../storage/index.ts';
import { openObject, parseDocument, sealObject } from './blob.ts';
import { checkChunkerParams, DEFAULT_CHUNK_SIZES } from './chunker.ts';
import { randomHex, type MasterKey } from './crypto.ts';
import { RepoError } from './errors.ts';
import type { RepoConfig } from './types.ts';

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
/** Tests use small packs; above 128 MiB a pack is one slow PUT and a lot of memory. */
const PACK_SIZE_RANGE = [64 * 1024, 128 * 1024 * 1024] as const;

export interface ConfigOptions {
  chunker?: Partial<Omit<RepoConfig['chunker'], 'seed'>> | undefined;
  packSize?: number | undefined;
  compression?: RepoConfig['compression'] | undefined;
  now?: (() => Date) | undefined;
}

export function configKey(prefix: string): string {
  return `${prefix}config`;
}

/** A new config: random id and chunker seed, the given or default sizes, validated. */
export function newConfig(opts: ConfigOptions = {}): RepoConfig {
  const config: RepoConfig = {
    version: 1,
    id: randomHex(16),
    chunker: { ...DEFAULT_CHUNK_SIZES, ...opts.chunker, seed: randomHex(32) },
    packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
    compression: opts.compression ?? 'zstd',
    created: (opts.now?.() ?? new Date()).toISOString(),
  };
  const problem = configProblem(config);
  if (problem) throw new RepoError('InvalidArgument', `repository settings: ${problem}`);
  return config;
}

function configProblem(c: RepoConfig): string | undefined {
  if (typeof c.id !== 'string' || !/^[0-9a-f]{32}$/.test(c.id)) return 'id must be 32 hex characters';
  if (!Number.isSafeInteger(c.packSize) || c.packSize < PACK_SIZE_RANGE[0] || c.packSize > PACK_SIZE_RANGE[1]) return `packSize must be from ${PACK_SIZE_RANGE[0]} to ${PACK_SIZE_RANGE[1]} bytes (got ${c.packSize})`;
  if (c.compression !== 'zstd' && c.compression !== 'none') return `compression must be "zstd" or "none" (got ${JSON.stringify(c.compression)})`;
  try {
    checkChunkerParams(c.chunker);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** Writes the config, failing when one exists (two concurrent inits: one wins). */
export async function writeConfig(store: ObjectStore, prefix: string, master: MasterKey, config: RepoConfig, where: string): Promise<void> {
  const bytes = sealObject(master, Buffer.from(JSON.stringify(config)), 'none');
  try {
    await store.putObject(configKey(prefix), bytes, { ifNoneMatch: true });
  } catch (err) {
    if (isStorageError(err, 'AlreadyExists')) throw new RepoError('AlreadyExists', `a repository already exists at ${where}`, { cause: err });
    throw err;
  }
}

export async function readConfig(store: ObjectStore, prefix: string, master: MasterKey, where: string): Promise<RepoConfig> {
  const key = configKey(prefix);
  let bytes: Buffer;
  try {
    bytes = await readObject(store, key);
  } catch (err) {
    if (isObjectNotFound(err)) throw new RepoError('NotARepository', `not a repository: there are key files but no config under ${where}`, { cause: err });
    throw err;
  }
  const target = { kind: 'config' as const, key };
  return parseDocument<RepoConfig>(openObject(master, bytes, target), target, (config) => {
    if (config?.version !== 1) throw new RepoError('Unsupported', `the repository at ${where} has format version ${String(config?.version)}; this Skiff reads version 1`);
    return configProblem(config);
  });
}

export async function configExists(store: ObjectStore, prefix: string): Promise<boolean> {
  return store.objectExists(configKey(prefix));
}
