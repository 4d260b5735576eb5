/** @module test/integration/cli-backup-helpers — shared setup for the `cli-backup-*` tests: CRDs, a server namespace, a fake download server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { crdManifests, VeleroResources, type Backup, type DownloadRequest } from '../../src/api/index.ts';
import { applyCrds } from '../../src/cli/commands/install.ts';
import { run, testContext, type RunResult } from '../../src/cli/testing.ts';
import { Informer, type KubeClient } from '../../src/kube/index.ts';
import { testCluster, type TestCluster } from '../support/cluster.ts';

let crds: Promise<void> | undefined;

export interface Env {
  cluster: TestCluster;
  client: KubeClient;
  /** The "server namespace" of this test (`-n`). */
  ns: string;
  /** `skiff -n <ns> ...args` in-process against the test cluster. */
  skiff(...args: string[]): Promise<RunResult>;
}

/** The cluster with velero.io CRDs installed (once per file, never removed) and a fresh namespace for this test. */
export async function setup(t: { after(fn: () => unknown): void }): Promise<Env> {
  const cluster = await testCluster();
  crds ??= applyCrds(cluster.client, crdManifests(), { out: { write: () => true } });
  await crds;
  const ns = await cluster.namespace(t, 'cli-backup');
  const skiff = (...args: string[]): Promise<RunResult> => run(['-n', ns, ...args], testContext({ env: { KUBECONFIG: cluster.kubeconfig } }));
  return { cluster, client: cluster.client, ns, skiff };
}

/** Replaces a Backup's status (our CRDs have no status subresource, so the object itself is patched). */
export async function setStatus(client: KubeClient, ns: string, name: string, status: Backup['status']): Promise<Backup> {
  return client.patch<Backup>(VeleroResources.backups, name, 'merge', { status }, { namespace: ns });
}

/** What the fake server answers a DownloadRequest with: a URL, '' (nothing to download), or undefined (never answer). */
export type Answer = (dr: DownloadRequest) => string | undefined;

/**
 * Stands in for the skiff server's download-request controller: answers every DownloadRequest of `ns` by
 * patching its status, as the real controller does. Records the requests it saw.
 */
export async function fakeDownloadServer(client: KubeClient, ns: string, answer: Answer): Promise<{ seen: DownloadRequest[]; stop(): Promise<void> }> {
  const seen: DownloadRequest[] = [];
  const informer = new Informer<DownloadRequest>({ client, resource: VeleroResources.downloadRequests, namespace: ns });
  const handle = (dr: DownloadRequest): void => {
    if (dr.status?.phase === 'Processed') return;
    seen.push(dr);
    const url = answer(dr);
    if (url === undefined) return;
    const status = { phase: 'Processed', downloadURL: url, expiration: new Date(Date.now() + 600_000).toISOString().replace(/\.\d+Z$/, 'Z') };
    void client.patch(VeleroResources.downloadRequests, dr.metadata.name ?? '', 'merge', { status }, { namespace: ns }).catch(() => undefined);
  };
  informer.on({ onAdd: handle, onUpdate: (_p, dr) => handle(dr) });
  informer.start();
  await informer.waitForSync();
  return { seen, stop: () => informer.stop() };
}

/** A tiny HTTP object store: GET /<path> serves `files[path]`, anything else is a 404. */
export async function httpFiles(files: Record<string, Buffer>): Promise<{ url(path: string): string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').slice(1);
    requests.push(path);
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end('NoSuchKey');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const gz = (text: string | object): Buffer => gzipSync(typeof text === 'string' ? text : `${JSON.stringify(text)}\n`);
