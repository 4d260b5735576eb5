/** @module repo/errors: typed repository errors with a stable reason; messages name the object, never a password or key. */

/** Why a repository operation failed. Stable: the CLI maps them to exit codes and messages. */
export type RepoErrorReason =
  | 'Integrity' // stored bytes were changed, truncated or swapped: authentication or an id check failed
  | 'Password' // no key file opens with this password
  | 'NotARepository' // no config/keys under the location
  | 'AlreadyExists' // init over an existing repository
  | 'Locked' // a conflicting lock is held
  | 'NotFound' // a blob, snapshot or key that is not there
  | 'InvalidArgument' // a caller's bad input (a location URL, a parameter)
  | 'Unsupported'; // a format version this code does not read

export class RepoError extends Error {
  override readonly name: string = 'RepoError';
  readonly reason: RepoErrorReason;

  constructor(reason: RepoErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** What a failed integrity check was about. */
export type RepoObjectKind = 'blob' | 'pack' | 'pack header' | 'index' | 'snapshot' | 'config' | 'key';

export interface IntegrityTarget {
  kind: RepoObjectKind;
  /** The object's key in the store, when there is one. */
  key?: string | undefined;
  blobId?: string | undefined;
  pack?: string | undefined;
}

/**
 * Stored bytes failed authentication (AES-GCM), a content id did not match, or a structure was malformed.
 * Never ignored: the data is not returned.
 */
export class RepoIntegrityError extends RepoError {
  override readonly name: string = 'RepoIntegrityError';
  readonly kind: RepoObjectKind;
  readonly key: string | undefined;
  readonly blobId: string | undefined;
  readonly pack: string | undefined;

  constructor(target: IntegrityTarget, problem: string, options?: { cause?: unknown }) {
    super('Integrity', `${describeObject(target)}: ${problem}`, options);
    this.kind = target.kind;
    this.key = target.key;
    this.blobId = target.blobId;
    this.pack = target.pack;
  }
}

export class RepoPasswordError extends RepoError {
  override readonly name: string = 'RepoPasswordError';

  constructor(where: string, keysTried: number) {
    super('Password', `wrong password or no key for it: none of the ${keysTried} key file${keysTried === 1 ? '' : 's'} of the repository at ${where} opens with it`);
  }
}

/** `blob 1a2b… in pack 3c4d…`, `index file 5e6f…`, `config (key "repo/config")`. */
export function describeObject(t: IntegrityTarget): string {
  const short = (id: string): string => (id.length > 16 ? `${id.slice(0, 16)}…` : id);
  if (t.kind === 'blob') return `blob ${t.blobId ?? '?'}${t.pack ? ` in pack ${t.pack}` : ''}`;
  if (t.kind === 'pack' || t.kind === 'pack header') return `${t.kind} ${t.pack ?? '?'}${t.key ? ` (key ${JSON.stringify(t.key)})` : ''}`;
  const what = t.kind === 'index' ? 'index file' : t.kind === 'key' ? 'key file' : t.kind;
  const id = t.key ? t.key.slice(t.key.lastIndexOf('/') + 1) : undefined;
  return `${what}${id && t.kind !== 'config' ? ` ${short(id)}` : ''}${t.key ? ` (key ${JSON.stringify(t.key)})` : ''}`;
}

export function isRepoError(err: unknown, reason?: RepoErrorReason): err is RepoError {
  return err instanceof RepoError && (reason === undefined || err.reason === reason);
}
