/** @module bench/metrics: API requests by verb, read from the API server's own apiserver_request_total. */
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
