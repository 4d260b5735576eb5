/** @module storage/aws/errors: AWS SDK and socket failures as StorageErrors, with secrets redacted. */
import { ObjectNotFoundError, StorageError, describeTarget, redact, type StorageErrorReason } from '../errors.ts';

export interface AwsErrorContext {
  bucket: string;
  key?: string | undefined;
  operation: string;
  /** Values that must never appear in a message (keys, tokens, the SSE-C key). */
  secrets: readonly (string | undefined)[];
  /** Where the requests go, for network messages (no credentials in it). */
  endpoint?: string | undefined;
}

const BY_NAME: Record<string, StorageErrorReason> = {
  NoSuchKey: 'NotFound',
  NotFound: 'NotFound',
  // If-None-Match: * on an existing key (412), or a concurrent conditional write of the same key (409).
  PreconditionFailed: 'AlreadyExists',
  ConditionalRequestConflict: 'AlreadyExists',
  NoSuchBucket: 'NoSuchBucket',
  AccessDenied: 'AccessDenied',
  Forbidden: 'AccessDenied',
  AllAccessDisabled: 'AccessDenied',
  AccountProblem: 'AccessDenied',
  InvalidAccessKeyId: 'InvalidCredentials',
  SignatureDoesNotMatch: 'InvalidCredentials',
  ExpiredToken: 'InvalidCredentials',
  InvalidToken: 'InvalidCredentials',
  TokenRefreshRequired: 'InvalidCredentials',
  CredentialsProviderError: 'InvalidCredentials',
  PermanentRedirect: 'InvalidConfig',
  AuthorizationHeaderMalformed: 'InvalidConfig',
  IllegalLocationConstraintException: 'InvalidConfig',
  InvalidBucketName: 'InvalidConfig',
  SlowDown: 'Throttled',
  Throttling: 'Throttled',
  ThrottlingException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  TooManyRequestsException: 'Throttled',
  InternalError: 'ServerError',
  ServiceUnavailable: 'ServerError',
  AbortError: 'Aborted',
  TimeoutError: 'Timeout',
  RequestTimeout: 'Timeout',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/;

/** What each reason means to an operator, and what to check. */
const HINTS: Partial<Record<StorageErrorReason, { text: string; advice?: string }>> = {
  NoSuchBucket: { text: 'the bucket does not exist' },
  AlreadyExists: { text: 'the key already exists (create-only write)' },
  AccessDenied: { text: 'access was denied', advice: 'the credentials lack permission for this operation' },
  InvalidCredentials: { text: 'the credentials were rejected or none were found', advice: 'check the location credential, AWS_SHARED_CREDENTIALS_FILE and the profile' },
  InvalidConfig: { text: 'the request does not fit the bucket', advice: 'check region and s3Url' },
  TLS: { text: 'the TLS connection failed', advice: 'set caCert for a private CA, or insecureSkipTLSVerify for a test store' },
  Network: { text: 'the store could not be reached' },
};

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

/** The stable reason for an SDK or socket error. */
export function awsReason(err: unknown): StorageErrorReason {
  const e = (err ?? {}) as SdkError;
  const byName = (e.name && BY_NAME[e.name]) || (e.code && BY_NAME[e.code]);
  if (byName) return byName;
  const code = e.code ?? (e.cause as SdkError | undefined)?.code ?? '';
  if (TLS_CODES.test(code)) return 'TLS';
  if (NETWORK_CODES.has(code)) return 'Network';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status === 404) return 'NotFound';
  if (status === 412) return 'AlreadyExists';
  if (status === 403) return 'AccessDenied';
  if (status === 401) return 'InvalidCredentials';
  if (status === 301 || status === 400) return status === 301 ? 'InvalidConfig' : 'Unknown';
  if (status === 429 || status === 503) return 'Throttled';
  if (status !== undefined && status >= 500) return 'ServerError';
  return 'Unknown';
}

/** Wraps `err` for `ctx`: stable reason, a message naming bucket and key, no secrets, the original as cause. */
export function toStorageError(err: unknown, ctx: AwsErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const reason = awsReason(err);
  const target = { provider: 'aws', bucket: ctx.bucket, key: ctx.key, operation: ctx.operation };
  const e = (err ?? {}) as SdkError;
  const statusCode = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (reason === 'NotFound') return new ObjectNotFoundError({ ...target, statusCode, cause: err });
  const detail = redact(`${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message || e.code || 'unknown error'}`, ctx.secrets);
  const hint = HINTS[reason];
  const where = reason === 'Network' || reason === 'TLS' ? ` at ${ctx.endpoint ?? 'the AWS S3 endpoint'}` : '';
  const message = `${ctx.operation}: ${describeTarget(target)}: ${hint ? `${hint.text}${where} (${detail})${hint.advice ? `; ${hint.advice}` : ''}` : detail}`;
  return new StorageError({ ...target, reason, statusCode, message, cause: err });
}

/** HeadObject answers a missing key with a bare 404 (no body, so no error code). */
export function isMissingObject(err: unknown): boolean {
  return awsReason(err) === 'NotFound';
}
