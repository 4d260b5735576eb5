/**
 * @module bench/floors: the minimal clients every figure is compared with, written against undici
 * alone (no Skiff code): a bare pager (LIST limit=500 + continue) and a bare creator (POST, 64 in flight).
 */
import { Pool } from 'undici';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configMapBody, type ScenarioArgs } from './scenario-context.ts';
import type { ClusterState } from '../src/local-cluster/index.ts';

export async function pool(state: ClusterState, connections: number): Promise<Pool> {
  const ca = await readFile(join(state.files.apiserverCertDir, 'apiserver.crt'));
  // HTTP/1.1, one connection per request in flight: faster against kube-apiserver than HTTP/2 multiplexing,
  // which undici 8 would otherwise negotiate. A floor must be the best minimal client.
  return new Pool(state.apiServerUrl, { connections, connect: { ca }, allowH2: false });
}

/** LIST pages of `limit` items over one connection, following continue tokens; returns the number of items seen. */
export async function barePager(p: Pool, state: ClusterState, args: ScenarioArgs, path = `/api/v1/namespaces/${args.namespace}/configmaps`): Promise<{ objects: number; pages: number }> {
  let token = '';
  let objects = 0;
  let pages = 0;
  {
    do {
      const qs = `limit=${args.pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const res = await p.request({ method: 'GET', path: `${path}?${qs}`, headers: { authorization: `Bearer ${state.token}`, accept: 'application/json' } });
      const body = (await res.body.json()) as { items: unknown[]; metadata: { continue?: string } };
      if (res.statusCode !== 200) throw new Error(`LIST answered ${res.statusCode}`);
      objects += body.items.length;
      pages++;
      token = body.metadata.continue ?? '';
    } while (token);
  }
  return { objects, pages };
}

/** POSTs n ConfigMaps with `concurrency` requests in flight over a pool of that size; no GET, no retries. */
export async function bareCreator(p: Pool, state: ClusterState, args: ScenarioArgs): Promise<{ objects: number }> {
  let next = 0;
  let created = 0;
  const headers = { authorization: `Bearer ${state.token}`, 'content-type': 'application/json', accept: 'application/json' };
  const worker = async (): Promise<void> => {
    while (next < args.n) {
      const i = next++;
      const res = await p.request({ method: 'POST', path: `/api/v1/namespaces/${args.namespace}/configmaps`, headers, body: configMapBody(args.namespace, `cm-${i}`) });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`POST answered ${res.statusCode}`);
      created++;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return { objects: created };
}

/** One POST of a prepared object: its collection path and JSON body. */
export interface Creation {
  path: string;
  body: string;
}

/**
 * POSTs prepared objects, group after group (namespaces before what lives in them), `concurrency` requests
 * in flight over a pool of that size; no GET, no retries, anything but 201 fails the run.
 */
export async function bareCreatorOf(p: Pool, state: ClusterState, groups: Creation[][], concurrency: number): Promise<{ objects: number }> {
  const headers = { authorization: `Bearer ${state.token}`, 'content-type': 'application/json', accept: 'application/json' };
  let created = 0;
  for (const group of groups) {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < group.length) {
        const c = group[next++]!;
        const res = await p.request({ method: 'POST', path: c.path, headers, body: c.body });
        if (res.statusCode !== 201) throw new Error(`POST ${c.path} answered ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
        await res.body.dump();
        created++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  return { objects: created };
}
