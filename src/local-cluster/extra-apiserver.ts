/** @module local-cluster/extra-apiserver: additional API servers on a cluster's etcd, for fail-over and restart tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { apiServerSpec, type ComponentSpec } from './components.ts';
import { freePorts, spawnDetached, stopGroup, isAlive } from './process.ts';
import { waitForCert, waitHealthy } from './health.ts';
import { startWatchdog } from './watchdog.ts';
import type { ClusterState } from './cluster.ts';

export interface ExtraApiServer {
  url: string;
  kubeconfig: string;
  pid(): number;
  /** Stops the process (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until ready. */
  start(): Promise<void>;
}

export interface ExtraApiServerOptions {
  /** Scratch directory (certificates, log, kubeconfig); must exist and be private to this server. */
  dir: string;
  /**
   * Where in etcd it keeps objects. Servers sharing a prefix see the same objects; a prefix of its
   * own isolates it from the cluster's main API server (and from other tests).
   */
  etcdPrefix: string;
  /** Stop it when this process exits, however it exits. */
  owner: number;
  /** More kube-apiserver flags, e.g. `--watch-cache=false` so that lists and watches go to etcd. */
  extraArgs?: string[];
}

/** Starts one more kube-apiserver on the cluster's etcd and returns a handle that can stop and restart it. */
export async function startExtraApiServer(cluster: ClusterState, opts: ExtraApiServerOptions): Promise<ExtraApiServer> {
  const [port] = await freePorts(1);
  const files = { ...cluster.files, dir: opts.dir, apiserverCertDir: join(opts.dir, 'certs'), kubeconfig: join(opts.dir, 'kubeconfig') };
  await mkdir(files.apiserverCertDir, { recursive: true });
  const base = apiServerSpec({ ...cluster.ports, apiServer: port! }, files, opts.etcdPrefix);
  const spec: ComponentSpec = { ...base, args: [...base.args, ...(opts.extraArgs ?? [])] };
  const logFile = join(opts.dir, 'kube-apiserver.log');
  const executable = cluster.binaries['kube-apiserver']!;
  let pid = 0;
  let ca: Buffer | undefined;
  const start = async (): Promise<void> => {
    pid = spawnDetached({ name: spec.name, command: executable, args: spec.args, logFile });
    await writeFile(join(opts.dir, 'pids'), `${pid}\n`);
    const ready = (): Promise<void> => waitHealthy(spec, pid, logFile, () => ({ caData: ca, token: cluster.token }), { timeoutMs: 120_000 });
    if (!ca) ca = await waitForCert(files.apiserverCertDir);
    await ready();
  };
  await startWatchdog(opts.dir, opts.owner);
  await start();
  const url = `https://127.0.0.1:${port}`;
  await writeFile(
    files.kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'extra', cluster: { server: url, 'certificate-authority-data': ca!.toString('base64') } }],
      users: [{ name: 'admin', user: { token: cluster.token } }],
      contexts: [{ name: 'extra', context: { cluster: 'extra', user: 'admin' } }],
      'current-context': 'extra',
    }),
    { mode: 0o600 },
  );
  return {
    url,
    kubeconfig: files.kubeconfig,
    pid: () => pid,
    stop: async () => {
      if (isAlive(pid)) await stopGroup(pid);
    },
    start,
  };
}
