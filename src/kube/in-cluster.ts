/** @module kube/in-cluster — connection from the pod's service account, like client-go's rest.InClusterConfig. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfigError, errCode, tokenFileCredentials } from './credentials.ts';
import type { ClusterConnection } from './kubeconfig.ts';

export const DEFAULT_IN_CLUSTER_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  env: Record<string, string | undefined>;
  /** Directory holding token, ca.crt and namespace; default DEFAULT_IN_CLUSTER_ROOT. */
  root?: string;
  /** Re-check the token file at most this often; default 60 s (client-go's period). */
  tokenRefreshMs?: number;
}

/** True when the service environment variables that the kubelet injects into every pod are both set. */
export function inClusterPossible(env: Record<string, string | undefined>): boolean {
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && Boolean(env['KUBERNETES_SERVICE_PORT']);
}

/** Loads the in-cluster connection; fails with reason 'InCluster' naming what is missing. */
export async function loadInClusterConfig(opts: InClusterOptions): Promise<ClusterConnection> {
  const host = opts.env['KUBERNETES_SERVICE_HOST'];
  const port = opts.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new KubeConfigError('InCluster',
      'not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set');
  }
  const root = opts.root ?? DEFAULT_IN_CLUSTER_ROOT;
  const tokenPath = path.join(root, 'token');
  const credentials = tokenFileCredentials(tokenPath, {
    describe: 'in-cluster service account',
    reason: 'InCluster',
    ...(opts.tokenRefreshMs !== undefined ? { refreshMs: opts.tokenRefreshMs } : {}),
  });
  // Read the token now so a pod without a mounted service account token fails here, naming the file.
  await credentials.authorization();
  const conn: ClusterConnection = {
    server: `https://${joinHostPort(host, port)}`,
    insecureSkipTLSVerify: false,
    source: 'in-cluster',
    credentials,
  };
  const ca = await readOptional(path.join(root, 'ca.crt'));
  // client-go logs a missing ca.crt and falls back to the system roots; we fall back silently the same way.
  if (ca !== undefined) conn.caData = ca;
  const namespace = await inClusterNamespace(opts.env, root);
  if (namespace !== undefined) conn.namespace = namespace;
  return conn;
}

/** Go's net.JoinHostPort: IPv6 literals need brackets in a URL authority. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** client-go's inClusterClientConfig.Namespace(): POD_NAMESPACE (downward API) first, then the service account's file. */
async function inClusterNamespace(env: Record<string, string | undefined>, root: string): Promise<string | undefined> {
  const fromEnv = env['POD_NAMESPACE'];
  if (fromEnv) return fromEnv;
  const data = await readOptional(path.join(root, 'namespace'));
  const ns = data?.toString('utf8').trim();
  return ns ? ns : undefined;
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubeConfigError('InCluster', `cannot read in-cluster file ${file}: ${errCode(err)}`, { cause: err });
  }
}
