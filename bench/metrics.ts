/** @module bench/metrics: API requests by verb — from the API server's own apiserver_request_total, and counted in-process per client (ApiRequestLog). */
import diagnostics from 'node:diagnostics_channel';
import { Agent, request } from 'undici';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterState } from '../src/local-cluster/index.ts';

export type Counts = Record<string, number>;

/** Sums apiserver_request_total by verb (and resource), e.g. {"LIST configmaps": 21, "POST configmaps": 10000}. */
export async function requestCounts(state: ClusterState): Promise<Counts> {
  const ca = await readFile(join(state.files.apiserverCertDir, 'apiserver.crt'));
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const res = await request(`${state.apiServerUrl}/metrics`, { dispatcher, headers: { authorization: `Bearer ${state.token}` } });
    return parseRequestTotals(await res.body.text());
  } finally {
    await dispatcher.close();
  }
}

export function parseRequestTotals(text: string): Counts {
  const counts: Counts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const key = `${labels.verb} ${labels.resource || labels.subresource || '-'}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

/** after − before, keeping only what changed. */
export function delta(before: Counts, after: Counts, resource?: string): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0 && (!resource || k.endsWith(` ${resource}`))) out[k] = d;
  }
  return out;
}

/**
 * Counts, in this process, every answered request to the API server made by one client (told apart by
 * its User-Agent), by verb, resource and status — e.g. {"POST configmaps 201": 10000, "GET namespaces 404": 50}.
 * It listens on undici's diagnostics channel, so the client under test runs unchanged. Watches count once,
 * when their headers arrive. `reset()` starts a new count (the timed part of a scenario).
 */
export class ApiRequestLog {
  counts: Counts = {};
  /** Milliseconds after reset() of the first and last answer, by verb and resource: where the time went. */
  spans: Record<string, { first: number; last: number; n: number }> = {};
  #t0 = performance.now();
  readonly #origin: string;
  readonly #userAgent: string | undefined;
  readonly #listener = (message: unknown): void => this.#observe(message as HeadersMessage);

  /** `userAgent` undefined: every request of this process to the API server. */
  constructor(apiServerUrl: string, userAgent: string | undefined) {
    this.#origin = new URL(apiServerUrl).origin;
    this.#userAgent = userAgent;
    diagnostics.subscribe('undici:request:headers', this.#listener);
  }

  reset(): void {
    this.counts = {};
    this.spans = {};
    this.#t0 = performance.now();
  }

  /** "   12 ms –  3400 ms  POST configmaps ×10000" lines, in order of the first request. */
  timeline(): string[] {
    return Object.entries(this.spans)
      .sort((a, b) => a[1].first - b[1].first)
      .map(([k, s]) => `${String(Math.round(s.first)).padStart(7)} ms – ${String(Math.round(s.last)).padStart(7)} ms  ${k} ×${s.n}`);
  }

  close(): void {
    diagnostics.unsubscribe('undici:request:headers', this.#listener);
  }

  /** Totals by verb + status (e.g. "POST 409"), and the number of requests. */
  summary(): { total: number; byVerbStatus: Counts } {
    const byVerbStatus: Counts = {};
    let total = 0;
    for (const [k, v] of Object.entries(this.counts)) {
      const [verb, , status] = k.split(' ');
      byVerbStatus[`${verb} ${status}`] = (byVerbStatus[`${verb} ${status}`] ?? 0) + v;
      total += v;
    }
    return { total, byVerbStatus };
  }

  /** Records a span for something other than an API request (e.g. an object-storage request). */
  note(key: string): void {
    const t = performance.now() - this.#t0;
    const span = (this.spans[key] ??= { first: t, last: t, n: 0 });
    span.last = t;
    span.n++;
  }

  #observe({ request, response }: HeadersMessage): void {
    const origin = String(request.origin);
    if (origin !== this.#origin && (!origin.startsWith('http') || new URL(origin).origin !== this.#origin)) return;
    if (this.#userAgent !== undefined && headerOf(request.headers, 'user-agent') !== this.#userAgent) return;
    const [path = '', query = ''] = request.path.split('?');
    const verb = request.method === 'GET' ? (/\bwatch=(true|1)\b/.test(query) ? 'WATCH' : isCollection(path) ? 'LIST' : 'GET') : request.method;
    const key = `${verb} ${resourceOf(path)} ${response.statusCode}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.note(key);
  }
}

interface HeadersMessage {
  request: { origin?: unknown; method: string; path: string; headers: unknown };
  response: { statusCode: number };
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    return undefined;
  }
  if (typeof headers === 'string') {
    const m = new RegExp(`(?:^|\\r\\n)${name}: ([^\\r\\n]*)`, 'i').exec(headers);
    return m?.[1];
  }
  return undefined;
}

/** Path segments after /api/v1 or /apis/group/version, without namespaces/<ns>. */
function apiSegments(path: string): string[] | undefined {
  const parts = path.split('/').filter(Boolean);
  let rest: string[];
  if (parts[0] === 'api') rest = parts.slice(2);
  else if (parts[0] === 'apis') rest = parts.slice(3);
  else return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  return rest;
}

/** "configmaps", "namespaces", "restores" (group dropped), "discovery" for /api, /apis and group-version documents. */
export function resourceOf(path: string): string {
  const rest = apiSegments(path);
  if (rest === undefined) return path.split('/')[1] ?? path;
  if (rest.length === 0) return 'discovery';
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : rest[0]!;
}

function isCollection(path: string): boolean {
  const rest = apiSegments(path);
  return rest !== undefined && rest.length === 1;
}
