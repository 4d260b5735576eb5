/** @module kube/testing/fake-api-server: a tiny programmable HTTP API server on 127.0.0.1 for unit tests of the kube layer. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ClusterConnection } from '../kubeconfig.ts';
import type { CredentialSource } from '../credentials.ts';
import type { Status } from '../types.ts';

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Every header as a list, so repeated headers (impersonate-group) stay distinct. */
  headersDistinct: Record<string, string[]>;
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

interface Route {
  method: string;
  path: RegExp;
  handler: Handler;
}

/** Route handlers by method and path regex (the newest matching route wins); records every request. */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #routes: Route[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a server on 127.0.0.1 with an OS-chosen port (or the given one). */
  static async start(port = 0): Promise<FakeApiServer> {
    const fake: FakeApiServer = new FakeApiServer(createServer((req, res) => {
      fake.inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
      res.on('close', () => fake.inFlight--);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          headersDistinct: req.headersDistinct as Record<string, string[]>,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        fake.requests.push(rec);
        const route = fake.#routes.findLast((r) => (r.method === '*' || r.method === rec.method) && r.path.test(rec.path));
        if (!route) {
          sendStatus(res, 404, 'NotFound', `no route for ${rec.method} ${rec.path}`);
          return;
        }
        Promise.resolve(route.handler(rec, res)).catch((err: unknown) => {
          if (!res.headersSent) sendStatus(res, 500, 'InternalError', `fake handler failed: ${String(err)}`);
          else res.destroy();
        });
      });
    }));
    fake.#server.on('connection', (s: Socket) => {
      fake.#sockets.add(s);
      s.on('close', () => fake.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(port, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a route; `path` is a regex, or a string matched exactly. */
  on(method: string, path: RegExp | string, handler: Handler): this {
    const re = typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path;
    this.#routes.push({ method, path: re, handler });
    return this;
  }

  /** Recorded requests for one path (exact), optionally one method. */
  requestsTo(path: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path && (method === undefined || r.method === method));
  }

  /** Destroys every open connection (in-flight watches included) and stops listening. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers with a metav1.Status body, as the API server does for failures. */
export function sendStatus(
  res: ServerResponse, code: number, reason: string, message: string,
  extra: Partial<Status> = {}, headers: Record<string, string> = {},
): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...extra }, headers);
}

export interface ChunkedStream {
  /** Writes raw text, or an object as one JSON line. */
  write(data: string | Buffer | object): void;
  end(): void;
  /** Drops the connection mid-response. */
  destroy(): void;
  readonly closed: Promise<void>;
}

/** Starts a chunked 200 response (a watch) that the test feeds piece by piece. */
export function startStream(res: ServerResponse): ChunkedStream {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
  return {
    write(data) {
      if (res.destroyed || res.writableEnded) return;
      res.write(typeof data === 'string' || Buffer.isBuffer(data) ? data : `${JSON.stringify(data)}\n`);
    },
    end: () => void res.end(),
    destroy: () => void res.socket?.destroy(),
    closed,
  };
}

/** A bearer-token credential source: each invalidate() moves to the next token (the last one sticks). */
export interface FakeCredentials extends CredentialSource {
  invalidations: number;
  readonly token: string;
}

export function fakeCredentials(tokens: string[] = ['test-token']): FakeCredentials {
  const creds: FakeCredentials = {
    kind: 'token',
    invalidations: 0,
    get token(): string {
      return tokens[Math.min(creds.invalidations, tokens.length - 1)] ?? '';
    },
    authorization: async () => `Bearer ${creds.token}`,
    clientTls: async () => undefined,
    invalidate() {
      creds.invalidations++;
    },
  };
  return creds;
}

/** A plain-http connection to a fake server. */
export function fakeConnection(server: string, credentials: CredentialSource = fakeCredentials(), extra: Partial<ClusterConnection> = {}): ClusterConnection {
  return { server, insecureSkipTLSVerify: false, source: 'kubeconfig', credentials, ...extra };
}

/** Polls until `check` returns true; fails after `timeoutMs` (a generous bound, not a timing assertion). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
