/** @module test/support/etcd: compact the test cluster's etcd, to make continue tokens and watch versions expire. */
import { request } from 'undici';

async function call<T>(etcdUrl: string, path: string, body: unknown): Promise<T> {
  const res = await request(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`etcd ${path} answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

/** Compacts etcd's history up to its current revision (through its JSON gateway) and returns that revision. */
export async function compactEtcd(etcdUrl: string): Promise<number> {
  const status = await call<{ header: { revision: string } }>(etcdUrl, '/v3/maintenance/status', {});
  const revision = Number(status.header.revision);
  try {
    await call(etcdUrl, '/v3/kv/compaction', { revision, physical: true });
  } catch (err) {
    // Nothing was written since the last compaction: it is already compacted to this revision.
    if (!/required revision has been compacted/.test((err as Error).message)) throw err;
  }
  return revision;
}
