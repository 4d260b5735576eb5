/** @module storage/errors: typed object-storage errors with a stable reason; messages name the provider, bucket and key, never credentials. */

/**
 * Why an object-storage operation failed. Stable: controllers and the CLI branch on it, and a BSL's
 * `Unavailable` message is built from the error's message.
 */
export type StorageErrorReason =
  | 'NotFound' // the object does not exist
  | 'AlreadyExists' // a create-only write (ifNoneMatch) found the key taken
  | 'NoSuchBucket' // the bucket (or the local bucket directory) does not exist
  | 'AccessDenied' // the credentials are valid but not allowed to do this
  | 'InvalidCredentials' // no credentials were found, or the store rejected them
  | 'InvalidConfig' // provider name, BSL config keys or values, credential file contents
  | 'InvalidArgument' // a caller's argument the store cannot accept (a TTL out of range, a bad name)
  | 'InvalidKey' // a key the provider cannot store (`..`, absolute, backslash, too long)
  | 'InvalidStore' // the location holds top-level directories Velero does not allow
  | 'InvalidData' // an object exists but cannot be decoded
  | 'SourceFailed' // the body stream handed to putObject failed while it was read
  | 'Network'
  | 'TLS'
  | 'Timeout'
  | 'Aborted'
  | 'Throttled'
  | 'ServerError'
  | 'Unknown';

export interface StorageErrorInit {
  reason: StorageErrorReason;
  message: string;
  provider?: string;
  bucket?: string;
  key?: string;
  operation?: string;
  /** The HTTP status the store answered with, when there was an answer. */
  statusCode?: number;
  cause?: unknown;
}

/** A failure of an object store or of the backup store above it. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  readonly reason: StorageErrorReason;
  readonly provider: string | undefined;
  readonly bucket: string | undefined;
  /** The object key, or the prefix for listings. */
  readonly key: string | undefined;
  readonly operation: string | undefined;
  readonly statusCode: number | undefined;

  constructor(init: StorageErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = init.reason;
    this.provider = init.provider;
    this.bucket = init.bucket;
    this.key = init.key;
    this.operation = init.operation;
    this.statusCode = init.statusCode;
  }
}

/** The object asked for does not exist (getObject of a missing key). */
export class ObjectNotFoundError extends StorageError {
  override readonly name: string = 'ObjectNotFoundError';

  constructor(init: Omit<StorageErrorInit, 'reason' | 'message'> & { message?: string }) {
    super({ ...init, reason: 'NotFound', message: init.message ?? `${init.operation ?? 'getObject'}: ${describeTarget(init)} does not exist` });
  }
}

export function isStorageError(err: unknown, reason?: StorageErrorReason): err is StorageError {
  return err instanceof StorageError && (reason === undefined || err.reason === reason);
}

export function isObjectNotFound(err: unknown): err is StorageError {
  return isStorageError(err, 'NotFound');
}

/** `key "k" in aws bucket "b"` (or `prefix "p/" in …`): the words every message uses to name what failed. */
export function describeTarget(t: { provider?: string | undefined; bucket?: string | undefined; key?: string | undefined; operation?: string | undefined }): string {
  const bucket = `${t.provider ? `${t.provider} ` : ''}bucket ${JSON.stringify(t.bucket ?? '')}`;
  if (t.key === undefined || (t.key === '' && isListing(t.operation))) return bucket;
  return `${isListing(t.operation) ? 'prefix' : 'key'} ${JSON.stringify(t.key)} in ${bucket}`;
}

/** Listings name a prefix, not a key (the StorageError's `key` field holds either). */
function isListing(operation: string | undefined): boolean {
  return operation === 'listObjects' || operation === 'listCommonPrefixes' || operation === 'isValid';
}

const REDACTED = '[redacted]';

/**
 * Removes what must never reach a log or a status message: the given secret values, AWS access key
 * ids, and the query strings of URLs (a pre-signed URL's query carries the credential and signature).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    // Short values would redact ordinary words; real keys and tokens are long.
    if (s && s.length >= 8) out = out.split(s).join(REDACTED);
  }
  return out
    .replace(/\b(https?|file):\/\/([^\s?#"'<>]*)\?[^\s"'<>]*/g, `$1://$2?${REDACTED}`)
    .replace(/\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b/g, REDACTED)
    .replace(/(X-Amz-(?:Credential|Signature|Security-Token))=[^&\s"'<>]*/gi, `$1=${REDACTED}`);
}
