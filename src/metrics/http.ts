/**
 * @module metrics/http: the `/metrics` endpoint on `--metrics-address`, a Go-style `host:port` (`:8085`
 * listens on every interface, as Velero's does; port 0 takes a free port and reports it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE } from './exposition.ts';
import type { Registry } from './registry.ts';

export interface ListenAddress {
  /** undefined: every interface. */
  host: string | undefined;
  port: number;
}

/**
 * Parses `--metrics-address` as Go's net.Listen reads it: `host:port`, `:port`, `[v6]:port`; `''` means
 * no endpoint (returns undefined). Throws an error naming the flag for anything else.
 */
export function parseMetricsAddress(text: string, flag = '--metrics-address'): ListenAddress | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const bad = (why: string): Error => new Error(`${flag}: "${text}" ${why} (examples: :8085, 127.0.0.1:8085, [::1]:8085; empty disables metrics)`);
  const colon = value.lastIndexOf(':');
  if (colon < 0) throw bad('has no port');
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) throw bad('has an unclosed [');
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    throw bad('has too many colons (write an IPv6 host in brackets)');
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad('has no valid port (0–65535)');
  return { host: host === '' ? undefined : host, port: Number(portText) };
}

export interface MetricsEndpoint {
  /** Where to scrape, with the bound port (a loopback host when listening on every interface). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` from `registry`; every other path is 404. Resolves once listening. */
export async function serveMetrics(registry: Registry, address: ListenAddress): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => handle(registry, req, res));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${address.host ?? ''}:${address.port}`;
      reject(new Error(err.code === 'EADDRINUSE' ? `--metrics-address: ${where} is already in use` : `--metrics-address: cannot listen on ${where}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen({ port: address.port, ...(address.host ? { host: address.host } : {}) }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // The endpoint alone must not keep a process alive: a server that failed to start after it should exit.
  server.unref();
  const bound = server.address() as AddressInfo;
  const unspecified = !address.host || address.host === '0.0.0.0' || address.host === '::';
  const host = unspecified ? '127.0.0.1' : address.host!.includes(':') ? `[${address.host}]` : address.host!;
  return {
    url: `http://${host}:${bound.port}/metrics`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would hold close() open until it idles out.
        server.closeAllConnections();
      }),
  };
}

function handle(registry: Registry, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  let body: string;
  try {
    body = registry.metrics();
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`error gathering metrics: ${(err as Error).message}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
