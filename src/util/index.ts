/** @module util: leaf helpers with no domain knowledge. */
export { abortReason, isAbortError, sleep, throwIfAborted, withTimeout } from './abort.ts';
export { Backoff, type BackoffOptions } from './backoff.ts';
export { Semaphore, mapLimit } from './semaphore.ts';
export { parseGoDuration, formatGoDuration } from './duration.ts';
export { TokenBucket } from './rate-limiter.ts';
export { encodeGoJson, encodeGoStructJson, compareGoStrings, GoJsonError } from './go-json.ts';
export { skiffVersion, majorMinor, PACKAGE_ROOT } from './version.ts';
