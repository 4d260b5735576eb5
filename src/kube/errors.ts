/** @module kube/errors: typed errors built from metav1.Status; messages never carry headers or tokens. */
import type { Status, StatusCause } from './types.ts';

/** The reason Kubernetes uses for each HTTP code when a response carries no Status body. */
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface KubeApiErrorInit {
  method: string;
  /** The request path without its query string (names of objects are not secret; selectors stay out). */
  path: string;
  code: number;
  status: Status;
  retryAfterSeconds?: number;
}

/** A failure answered by the API server, with the server's own reason, code and details. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code: number;
  readonly reason: string;
  readonly status: Status;
  readonly method: string;
  readonly path: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: KubeApiErrorInit) {
    const reason = init.status.reason || REASON_BY_CODE[init.code] || (init.code >= 500 ? 'InternalError' : 'Unknown');
    const detail = init.status.message || `the server responded with HTTP ${init.code}`;
    super(`${detail} (${reason}, ${init.method} ${init.path})`);
    this.code = init.code;
    this.reason = reason;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterSeconds = init.retryAfterSeconds ?? init.status.details?.retryAfterSeconds;
  }

  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }

  /** Builds the error from a response body, which may or may not be a Status (proxies send HTML). */
  static fromResponse(method: string, path: string, code: number, body: string, retryAfter?: string): KubeApiError {
    let status: Status = {};
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status') status = parsed as Status;
    } catch {
      // not JSON: keep a short, printable excerpt only; bodies are never echoed wholesale
    }
    if (!status.message && body && status.kind !== 'Status') status = { ...status, message: excerpt(body) };
    return new KubeApiError({ method, path, code, status, retryAfterSeconds: parseRetryAfter(retryAfter) });
  }

  /** Builds the error from a Status delivered inside a watch stream (type ERROR). */
  static fromStatus(method: string, path: string, status: Status): KubeApiError {
    return new KubeApiError({ method, path, code: status.code ?? 500, status });
  }
}

/** Failures that never reached an answer from the server: connection, TLS, timeout, malformed response. */
export type KubeTransportReason = 'Network' | 'Timeout' | 'Aborted' | 'InvalidResponse' | 'TLS';

export class KubeTransportError extends Error {
  override readonly name = 'KubeTransportError';
  readonly reason: KubeTransportReason;
  readonly method: string;
  readonly path: string;

  constructor(reason: KubeTransportReason, method: string, path: string, message: string, cause?: unknown) {
    super(`${message} (${method} ${path})`, { cause });
    this.reason = reason;
    this.method = method;
    this.path = path;
  }
}

function excerpt(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

/** Retry-After is seconds (the API server's form) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  // Only a real HTTP-date (e.g. "Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would read "1" as the year 2001.
  if (!/GMT$/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

function apiError(err: unknown): KubeApiError | undefined {
  return err instanceof KubeApiError ? err : undefined;
}

export function isNotFound(err: unknown): boolean {
  return apiError(err)?.code === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  const e = apiError(err);
  return e?.code === 409 && e.reason === 'AlreadyExists';
}

/** A 409 that is not AlreadyExists: an update lost a race on resourceVersion. */
export function isConflict(err: unknown): boolean {
  const e = apiError(err);
  return e?.code === 409 && e.reason !== 'AlreadyExists';
}

/** 410: a continue token or watch resourceVersion is too old; the caller must re-list. */
export function isResourceExpired(err: unknown): boolean {
  const e = apiError(err);
  return e?.code === 410 || e?.reason === 'Expired' || e?.reason === 'Gone';
}

export function isForbidden(err: unknown): boolean {
  return apiError(err)?.code === 403;
}

export function isInvalid(err: unknown): boolean {
  return apiError(err)?.code === 422;
}

export function isTooManyRequests(err: unknown): boolean {
  return apiError(err)?.code === 429;
}

/** Errors worth retrying later: throttling, server-side unavailability, and transport failures. */
export function isTransient(err: unknown): boolean {
  if (err instanceof KubeTransportError) return err.reason === 'Network' || err.reason === 'Timeout';
  const e = apiError(err);
  return e !== undefined && (e.code === 429 || e.code >= 500);
}
