/**
 * @module repo/keys: key files (ADR 0015). Each `keys/<id>` wraps the master key with a key derived from one
 * password by scrypt; the file is plain JSON named by the SHA-256 of its bytes (so a changed byte is found
 * before any password is tried). Several passwords open one repository; no password is ever implied.
 */
import { hostname as osHostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isObjectNotFound, readObject, type ObjectStore } from '../storage/index.ts';
import { checkNamed, listIds, parseDocument } from './blob.ts';
import { DEFAULT_KDF, MasterKey, deriveKey, kdfProblem, openWith, sealWith, sha256Hex, type KdfParams } from './crypto.ts';
import { RepoError, RepoIntegrityError, RepoPasswordError } from './errors.ts';

export interface KeyFile {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64, 32 random bytes. */
  salt: string;
  created: string;
  hostname: string;
  username: string;
  /** base64 of the master key sealed (AES-256-GCM) with the scrypt-derived key. */
  data: string;
}

/** What `repo password list` shows: never the key material. */
export interface KeyInfo {
  id: string;
  created: string;
  hostname: string;
  username: string;
  /** The key this Repository was opened with. */
  current: boolean;
}

export interface KeyOptions {
  /** scrypt costs; default N=2^16, r=8, p=2 (tests use cheaper ones). */
  kdf?: KdfParams | undefined;
  hostname?: string | undefined;
  username?: string | undefined;
  now?: (() => Date) | undefined;
}

export function keyKey(prefix: string, id: string): string {
  return `${prefix}keys/${id}`;
}

/** A password must be given, and be more than whitespace: there is no default. */
export function checkPassword(password: string, what = 'the repository password'): void {
  if (typeof password !== 'string' || password.trim() === '') throw new RepoError('InvalidArgument', `${what} is empty; give one (there is no default password)`);
}

/** Writes a new key file wrapping `master` for `password`; returns its id. */
export async function addKey(store: ObjectStore, prefix: string, master: MasterKey, password: string, opts: KeyOptions = {}): Promise<string> {
  checkPassword(password);
  const kdf = opts.kdf ?? DEFAULT_KDF;
  const salt = randomBytes(32);
  const wrap = await deriveKey(password, salt, kdf);
  const file: KeyFile = {
    version: 1,
    kdf: 'scrypt',
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    salt: salt.toString('base64'),
    created: (opts.now?.() ?? new Date()).toISOString(),
    hostname: opts.hostname ?? osHostname(),
    username: opts.username ?? currentUser(),
    data: sealWith(wrap, master.exportBytes()).toString('base64'),
  };
  const bytes = Buffer.from(`${JSON.stringify(file, null, 2)}\n`);
  const id = sha256Hex(bytes);
  await store.putObject(keyKey(prefix, id), bytes, { contentType: 'application/json' });
  return id;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown'; // a container user without a passwd entry
  }
}

export async function listKeyIds(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await listIds(store, `${prefix}keys/`)).sort();
}

/** A key file, checked against its name and parsed; RepoIntegrityError when it was changed or is malformed. */
export async function readKeyFile(store: ObjectStore, prefix: string, id: string): Promise<KeyFile> {
  const key = keyKey(prefix, id);
  const bytes = await readObject(store, key);
  const target = { kind: 'key' as const, key };
  checkNamed(bytes, id, target);
  return parseDocument<KeyFile>(bytes, target, (file) => {
    if (file?.version !== 1 || file.kdf !== 'scrypt') throw new RepoError('Unsupported', `key file ${id}: version ${String(file?.version)} / kdf ${String(file?.kdf)} is not supported (this Skiff reads version 1, scrypt)`);
    const problem = kdfProblem(file) ?? (typeof file.salt === 'string' && typeof file.data === 'string' ? undefined : 'salt or data missing');
    return problem && `its parameters are unusable: ${problem}`;
  });
}

/**
 * The master key, from the first key file that opens with `password`. Tries every key (each costs one scrypt
 * derivation). No key files: not a repository. A key file that fails its checks is skipped while others
 * remain; when none opens and one was damaged, that damage is the error, not the password.
 */
export async function unlock(store: ObjectStore, prefix: string, password: string, where: string): Promise<{ master: MasterKey; keyId: string }> {
  checkPassword(password);
  const ids = await listKeyIds(store, prefix);
  if (ids.length === 0) throw new RepoError('NotARepository', `not a repository: no key files under ${where}`);
  let damaged: RepoIntegrityError | undefined;
  for (const id of ids) {
    let file: KeyFile;
    try {
      file = await readKeyFile(store, prefix, id);
    } catch (err) {
      if (isObjectNotFound(err)) continue; // removed meanwhile
      if (!(err instanceof RepoIntegrityError)) throw err;
      damaged ??= err;
      continue;
    }
    const wrap = await deriveKey(password, Buffer.from(file.salt, 'base64'), file);
    const bytes = openWith(wrap, Buffer.from(file.data, 'base64'));
    if (bytes?.length === 64) return { master: new MasterKey(bytes), keyId: id };
  }
  if (damaged) throw damaged;
  throw new RepoPasswordError(where, ids.length);
}

export async function listKeys(store: ObjectStore, prefix: string, currentKeyId: string | undefined): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for (const id of await listKeyIds(store, prefix)) {
    const f = await readKeyFile(store, prefix, id);
    out.push({ id, created: f.created, hostname: f.hostname, username: f.username, current: id === currentKeyId });
  }
  return out.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

/** Removes a key file; never the last one (the repository would be lost) and never the one in use. */
export async function removeKey(store: ObjectStore, prefix: string, id: string, currentKeyId: string | undefined): Promise<void> {
  const ids = await listKeyIds(store, prefix);
  const matches = ids.filter((k) => k.startsWith(id));
  if (matches.length !== 1) throw new RepoError(matches.length ? 'InvalidArgument' : 'NotFound', matches.length ? `key id ${JSON.stringify(id)} is ambiguous (${matches.length} keys start with it)` : `no key ${JSON.stringify(id)}`);
  const target = matches[0]!;
  if (target === currentKeyId) throw new RepoError('InvalidArgument', `key ${target.slice(0, 12)} is the one this session opened the repository with; open it with another password to remove it (or change the password)`);
  if (ids.length === 1) throw new RepoError('InvalidArgument', 'the last key of a repository cannot be removed: nothing could open it any more');
  await store.deleteObject(keyKey(prefix, target));
}
