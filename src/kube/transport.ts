/** @module kube/transport: HTTP to the API server over a pooled undici agent, with auth, limits and retries. */
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { ClusterConnection } from './kubeconfig.ts';
import { KubeApiError, KubeTransportError, type KubeTransportReason } from './errors.ts';
import { Backoff, Semaphore, TokenBucket, abortReason, sleep, withTimeout } from '../util/index.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  method: HttpMethod;
  /** Path below the server URL, starting with '/'. */
  path: string;
  query?: Record<string, QueryValue>;
  /** An object is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Per-attempt timeout in ms; 0 disables it. */
  timeoutMs?: number;
}

export interface RetryOptions {
  /** Attempts in all, including the first. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Retry-After values above this are clamped, so a confused proxy cannot park us for hours. */
  maxRetryAfterMs?: number;
}

export interface ResponseInfo {
  method: HttpMethod;
  path: string;
  statusCode: number;
  attempt: number;
  durationMs: number;
}

export interface TransportOptions {
  connection: ClusterConnection;
  /** Requests in flight at once (long-running watches and exec do not count). Default 64. */
  maxInFlight?: number;
  /** Optional client-side rate limit, like Velero's --client-qps; off by default. */
  qps?: number;
  burst?: number;
  userAgent?: string;
  /** Per-attempt timeout for ordinary requests. Default 120 s: a LIST page of large objects under load can be slow. */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  /** Observes every answered request (metrics, benchmarks). */
  onResponse?: (info: ResponseInfo) => void;
}

/** Counters kept by every transport: cheap, and what benchmarks and tests read. */
export interface TransportStats {
  requests: Record<string, number>;
  retries: number;
  throttled: number;
}

export interface StreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
/** Errors raised before the request could have reached the server: safe to retry even for POST/PATCH. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'PUT', 'DELETE']);

/**
 * The one HTTP path to the API server. Concurrency is bounded by a semaphore instead of a fixed QPS:
 * the server's priority-and-fairness answers 429 with Retry-After when it wants us slower, and we obey.
 */
export class Transport {
  readonly connection: ClusterConnection;
  readonly stats: TransportStats = { requests: {}, retries: 0, throttled: 0 };
  readonly #opts: TransportOptions;
  readonly #slots: Semaphore;
  readonly #bucket: TokenBucket | undefined;
  #dispatcher: Dispatcher | undefined;
  /** The secret part of the last Authorization header sent, so an echo of it can be cut out of errors. */
  #lastCredential: string | undefined;
  #tlsVersion = -1;
  #closed = false;

  constructor(opts: TransportOptions) {
    this.#opts = opts;
    this.connection = opts.connection;
    this.#slots = new Semaphore(opts.maxInFlight ?? 64);
    this.#bucket = opts.qps ? new TokenBucket(opts.qps, opts.burst ?? Math.max(1, Math.ceil(opts.qps))) : undefined;
  }

  /** Sends a request and parses the JSON answer; throws KubeApiError for non-2xx answers. */
  async json<T>(req: RequestOptions): Promise<T> {
    const text = await this.text(req);
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch (err) {
      throw new KubeTransportError('InvalidResponse', req.method, req.path, 'the server sent a body that is not JSON', err);
    }
  }

  /** Sends a request with retries and returns the body text of a 2xx answer. */
  async text(req: RequestOptions): Promise<string> {
    const retry = this.#opts.retry ?? {};
    const maxAttempts = retry.maxAttempts ?? 10;
    const backoff = new Backoff({ initialMs: retry.initialDelayMs ?? 250, maxMs: retry.maxDelayMs ?? 10_000 });
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(req, attempt);
      if (outcome.ok) return outcome.body;
      const err = outcome.error;
      if (err instanceof KubeApiError && err.code === 401 && !reauthenticated) {
        // Tokens from exec plugins and rotated files expire: refresh once, then believe the server.
        reauthenticated = true;
        this.connection.credentials.invalidate();
        continue;
      }
      const delay = this.#retryDelay(req, err, backoff, retry);
      if (delay === undefined || attempt >= maxAttempts) throw err;
      this.stats.retries++;
      await sleep(delay, req.signal);
    }
  }

  /**
   * Opens a long-running request (watch, log follow) and returns its body stream. It takes no
   * concurrency slot and is not retried here: the caller owns reconnecting.
   */
  async stream(req: RequestOptions): Promise<StreamResponse> {
    for (let reauthenticated = false; ; reauthenticated = true) {
      const res = await this.#send(req, req.signal);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { statusCode: res.statusCode, headers: res.headers, body: res.body };
      }
      const err = await this.#errorFrom(req, res);
      if (err.code === 401 && !reauthenticated) {
        this.connection.credentials.invalidate();
        continue;
      }
      throw err;
    }
  }

  /** Headers every request carries: authorization and impersonation. Used by exec's websocket too. */
  async authHeaders(): Promise<Record<string, string | string[]>> {
    const headers: Record<string, string | string[]> = {};
    const auth = await this.connection.credentials.authorization();
    if (auth) headers['authorization'] = auth;
    const imp = this.connection.impersonate;
    if (imp?.user) headers['impersonate-user'] = imp.user;
    if (imp?.uid) headers['impersonate-uid'] = imp.uid;
    if (imp?.groups?.length) headers['impersonate-group'] = imp.groups;
    for (const [key, values] of Object.entries(imp?.extra ?? {})) {
      headers[`impersonate-extra-${encodeURIComponent(key)}`] = values;
    }
    return headers;
  }

  /** TLS settings for connections that do not go through undici (exec's websocket). */
  async tlsOptions(): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string }> {
    const c = this.connection;
    const client = await c.credentials.clientTls();
    return {
      ...(c.caData ? { ca: c.caData } : {}),
      ...(client ? { cert: client.tls.cert, key: client.tls.key } : {}),
      rejectUnauthorized: !c.insecureSkipTLSVerify,
      ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
    };
  }

  /** Full URL for a path and query, under the server URL (which may itself carry a path prefix). */
  url(path: string, query?: Record<string, QueryValue>): string {
    const qs = encodeQuery(query);
    return `${this.connection.server}${path}${qs ? `?${qs}` : ''}`;
  }

  get userAgent(): string {
    return this.#opts.userAgent ?? 'skiff';
  }

  async close(): Promise<void> {
    this.#closed = true;
    const d = this.#dispatcher;
    this.#dispatcher = undefined;
    await d?.close();
  }

  async #attempt(req: RequestOptions, attempt: number): Promise<{ ok: true; body: string } | { ok: false; error: Error }> {
    const release = await this.#slots.acquire(req.signal);
    try {
      if (this.#bucket) await this.#bucket.take(req.signal);
      const timeout = req.timeoutMs ?? this.#opts.requestTimeoutMs ?? 120_000;
      const signal = withTimeout(req.signal, timeout);
      const started = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await this.#send(req, signal);
      } catch (err) {
        return { ok: false, error: err as Error };
      }
      let body: string;
      try {
        body = await res.body.text();
      } catch (err) {
        return { ok: false, error: this.#transportError(req, err, signal) };
      }
      this.#observe(req, res.statusCode, attempt, performance.now() - started);
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, body };
      const retryAfter = headerValue(res.headers['retry-after']);
      return { ok: false, error: KubeApiError.fromResponse(req.method, req.path, res.statusCode, this.#redact(body), retryAfter) };
    } finally {
      release();
    }
  }

  async #send(req: RequestOptions, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    if (this.#closed) throw new KubeTransportError('Aborted', req.method, req.path, 'the Kubernetes client is closed');
    const dispatcher = await this.#getDispatcher();
    const headers: Record<string, string | string[]> = {
      accept: req.accept ?? 'application/json',
      'user-agent': this.userAgent,
      ...(await this.authHeaders()),
    };
    const auth = headers['authorization'];
    if (typeof auth === 'string') this.#lastCredential = auth.slice(auth.indexOf(' ') + 1);
    let body: string | Buffer | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    try {
      return await request(this.url(req.path, req.query), {
        method: req.method,
        headers,
        body,
        dispatcher,
        signal,
        // undici's own timeouts stay above ours so that the AbortSignal decides, with one clear message.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (err) {
      throw this.#transportError(req, err, signal);
    }
  }

  async #errorFrom(req: RequestOptions, res: Dispatcher.ResponseData): Promise<KubeApiError> {
    const text = this.#redact(await res.body.text().catch(() => ''));
    this.#observe(req, res.statusCode, 1, 0);
    return KubeApiError.fromResponse(req.method, req.path, res.statusCode, text, headerValue(res.headers['retry-after']));
  }

  #retryDelay(req: RequestOptions, err: Error, backoff: Backoff, retry: RetryOptions): number | undefined {
    const maxRetryAfter = retry.maxRetryAfterMs ?? 60_000;
    if (err instanceof KubeApiError) {
      const idempotent = IDEMPOTENT.has(req.method);
      // 429 and a 503 with Retry-After mean the server declined the request unprocessed, so even a POST
      // may be repeated. A 500 or 504 with Retry-After (ServerTimeout) may still be processing: only
      // idempotent verbs repeat those, or a generateName create could make two objects.
      const declined = err.code === 429 || (err.code === 503 && err.retryAfterSeconds !== undefined);
      if (declined || (idempotent && err.code >= 500 && err.retryAfterSeconds !== undefined)) {
        if (err.code === 429) this.stats.throttled++;
        const asked = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : backoff.next();
        return Math.min(Math.max(asked, 0), maxRetryAfter);
      }
      if (err.code >= 500 && err.code !== 501 && idempotent) return backoff.next();
      return undefined;
    }
    if (err instanceof KubeTransportError && (err.reason === 'Network' || err.reason === 'Timeout')) {
      const code = networkCode(err.cause);
      if (code !== undefined && NOT_SENT.has(code)) return backoff.next();
      const transient = err.reason === 'Timeout' || (code !== undefined && RETRYABLE_NETWORK.has(code));
      return transient && IDEMPOTENT.has(req.method) ? backoff.next() : undefined;
    }
    return undefined;
  }

  #transportError(req: RequestOptions, err: unknown, signal: AbortSignal | undefined): Error {
    if (err instanceof KubeTransportError) return err;
    if (req.signal?.aborted) return abortReason(req.signal);
    if (signal?.aborted) {
      return new KubeTransportError('Timeout', req.method, req.path, 'the request to the Kubernetes API server timed out', err);
    }
    const code = networkCode(err);
    let reason: KubeTransportReason = 'Network';
    if (code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SELF_SIGNED'))) reason = 'TLS';
    const what = err instanceof Error ? err.message : String(err);
    const prefix = reason === 'TLS' ? 'TLS verification of the Kubernetes API server failed' : 'cannot reach the Kubernetes API server';
    return new KubeTransportError(reason, req.method, req.path, `${prefix} at ${this.connection.server}: ${what}`, err);
  }

  /** Proxies and auth webhooks sometimes echo request headers in error bodies: never let the token through. */
  #redact(text: string): string {
    const secret = this.#lastCredential;
    return secret && secret.length >= 8 && text.includes(secret) ? text.replaceAll(secret, '[REDACTED]') : text;
  }

  #observe(req: RequestOptions, statusCode: number, attempt: number, durationMs: number): void {
    const key = `${req.method} ${statusCode}`;
    this.stats.requests[key] = (this.stats.requests[key] ?? 0) + 1;
    this.#opts.onResponse?.({ method: req.method, path: req.path, statusCode, attempt, durationMs });
  }

  async #getDispatcher(): Promise<Dispatcher> {
    const client = await this.connection.credentials.clientTls();
    const version = client?.version ?? 0;
    if (this.#dispatcher && version === this.#tlsVersion) return this.#dispatcher;
    // A new client certificate (an exec plugin rotated it) needs new TLS connections.
    const old = this.#dispatcher;
    this.#tlsVersion = version;
    this.#dispatcher = this.#buildDispatcher(client?.tls);
    void old?.close().catch(() => undefined);
    if (this.#closed) {
      // close() ran while we awaited the credentials: do not leave a fresh pool behind.
      const fresh = this.#dispatcher;
      this.#dispatcher = undefined;
      void fresh.close().catch(() => undefined);
      throw new Error('the Kubernetes client is closed');
    }
    return this.#dispatcher;
  }

  #buildDispatcher(client: { cert: Buffer; key: Buffer } | undefined): Dispatcher {
    const c = this.connection;
    const tls = {
      ...(c.caData ? { ca: c.caData } : {}),
      ...(client ? { cert: client.cert, key: client.key } : {}),
      rejectUnauthorized: !c.insecureSkipTLSVerify,
      ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
    };
    // One socket per in-flight request, plus headroom for watches, which hold theirs for minutes.
    const connections = (this.#opts.maxInFlight ?? 64) + 32;
    // HTTP/1.1 on purpose: undici 8 negotiates HTTP/2 by default, which multiplexes everything onto one
    // connection; kube-apiserver then creates 25–40% fewer objects per second at 64 in flight (measured).
    if (c.proxyUrl) return new ProxyAgent({ uri: c.proxyUrl, requestTls: tls, connections, allowH2: false });
    return new Agent({ connect: tls, connections, keepAliveTimeout: 30_000, pipelining: 1, allowH2: false });
  }
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Encodes a query; arrays repeat the key (exec's `command=a&command=b`), undefined values are dropped. */
export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  return params.toString();
}
