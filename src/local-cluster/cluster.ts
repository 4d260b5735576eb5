/** @module local-cluster/cluster: start, describe and stop a whole local control plane plus MinIO. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureBinaries, type BinarySet } from './build.ts';
import {
  COMPONENT_NAMES, apiServerSpec, controllerManagerSpec, etcdSpec, kwokConfig, kwokSpec, minioSpec, schedulerSpec,
  type ComponentName, type ComponentSpec, type Files, type Ports,
} from './components.ts';
import { freePorts, isAlive, runs, spawnDetached, stopGroup } from './process.ts';
import { probe, waitForCert, waitHealthy, type HealthContext } from './health.ts';
import { createNodes, createBucket } from './bootstrap.ts';
import { startWatchdog } from './watchdog.ts';
import type { Env } from './paths.ts';

export interface ComponentState {
  pid: number;
  executable: string;
  args: string[];
  env?: Record<string, string>;
  logFile: string;
  health: ComponentSpec['health'];
}

/** Everything a client needs to use the cluster, and everything `down` needs to stop it (state.json). */
export interface ClusterState {
  name: string;
  dir: string;
  stamp: string;
  startedAt: string;
  ports: Ports;
  files: Files;
  kubeconfig: string;
  apiServerUrl: string;
  etcdUrl: string;
  token: string;
  /** Directory with a `kubectl` that matches the API server's version. */
  binDir: string;
  binaries: Record<string, string>;
  s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; credentialsFile: string };
  nodes: string[];
  components: Partial<Record<ComponentName, ComponentState>>;
  watchdogPid?: number;
}

export interface StartOptions {
  env: Env;
  /** Directory for data, logs, certificates and state.json; created if missing. */
  dir: string;
  name: string;
  log?: (line: string) => void;
  /** Stop the cluster when this process exits, however it exits (test runs). */
  owner?: number;
  nodes?: number;
  bucket?: string;
  /** Per-component readiness timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const STATE_FILE = 'state.json';

/** Builds (or reuses) the binaries, then starts etcd → API server → the rest → nodes → MinIO. */
export async function startCluster(opts: StartOptions): Promise<ClusterState> {
  const log = opts.log ?? (() => undefined);
  const bins = await ensureBinaries({ env: opts.env, log });
  const started = Date.now();
  const state = await prepare(opts, bins);
  let ca: Buffer | undefined;
  const ctx = (): HealthContext => ({ caData: ca, token: state.token });
  try {
    await saveState(state);
    if (opts.owner !== undefined) state.watchdogPid = await startWatchdog(state.dir, opts.owner);
    const launch = async (spec: ComponentSpec): Promise<void> => {
      launchComponent(state, bins, spec);
      await saveState(state);
    };
    const ready = (spec: ComponentSpec): Promise<void> =>
      waitHealthy(spec, state.components[spec.name]!.pid, state.components[spec.name]!.logFile, ctx, {
        timeoutMs: opts.timeoutMs ?? 120_000,
        signal: opts.signal,
      });
    const etcd = etcdSpec(state.ports, state.files);
    await launch(etcd);
    await ready(etcd);
    const apiserver = apiServerSpec(state.ports, state.files);
    await launch(apiserver);
    ca = await waitForCert(state.files.apiserverCertDir, opts.signal);
    await ready(apiserver);
    await writeKubeconfig(state, ca);
    const minio = minioSpec(state.ports, state.files, state.s3);
    const rest = [controllerManagerSpec(state.ports, state.files), schedulerSpec(state.ports, state.files), kwokSpec(state.ports, state.files), minio];
    for (const spec of rest) await launch(spec);
    await Promise.all(rest.map(ready));
    state.nodes = await createNodes(state.kubeconfig, opts.env, opts.nodes ?? 2, opts.signal);
    await createBucket(state.s3);
    await saveState(state);
    log(`Local control plane "${state.name}" is up in ${((Date.now() - started) / 1000).toFixed(1)} s (${state.dir})`);
    return state;
  } catch (err) {
    await stopCluster(state, { keepDir: true }).catch(() => undefined);
    throw err;
  }
}

/** Stops every component (SIGTERM, then SIGKILL after a grace period) and removes the state directory. */
export async function stopCluster(state: ClusterState, opts: { keepDir?: boolean; graceMs?: number } = {}): Promise<void> {
  // Reverse start order: clients of the API server first, etcd last.
  const order = [...COMPONENT_NAMES].reverse();
  const first = order.filter((n) => n !== 'kube-apiserver' && n !== 'etcd');
  const stopOne = async (name: ComponentName): Promise<void> => {
    const c = state.components[name];
    if (c && runs(c.pid, c.executable)) await stopGroup(c.pid, opts.graceMs ?? 10_000);
  };
  await Promise.all(first.map(stopOne));
  await stopOne('kube-apiserver');
  await stopOne('etcd');
  if (state.watchdogPid !== undefined && isAlive(state.watchdogPid)) await stopGroup(state.watchdogPid, 1000);
  if (!opts.keepDir) await rm(state.dir, { recursive: true, force: true });
}

/** Reads state.json of a cluster directory, or undefined when there is none. */
export async function readState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export interface ComponentStatus {
  name: ComponentName;
  pid: number | undefined;
  running: boolean;
  healthy: boolean;
}

/** Whether each component runs and answers its health check. */
export async function clusterStatus(state: ClusterState): Promise<ComponentStatus[]> {
  const ca = await readFile(join(state.files.apiserverCertDir, 'apiserver.crt')).catch(() => undefined);
  return Promise.all(
    COMPONENT_NAMES.map(async (name) => {
      const c = state.components[name];
      const running = c !== undefined && runs(c.pid, c.executable);
      const healthy = running && (await probe(c.health, { caData: ca, token: state.token }));
      return { name, pid: c?.pid, running, healthy };
    }),
  );
}

/** Shell `export` lines for KUBECONFIG, kubectl on PATH and the S3 endpoint and credentials. */
export function envExports(state: ClusterState): string[] {
  const q = (v: string): string => `'${v.replaceAll("'", "'\\''")}'`;
  return [
    `export KUBECONFIG=${q(state.kubeconfig)}`,
    `export PATH=${q(state.binDir)}:"$PATH"`,
    `export AWS_ACCESS_KEY_ID=${q(state.s3.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${q(state.s3.secretAccessKey)}`,
    `export AWS_SHARED_CREDENTIALS_FILE=${q(state.s3.credentialsFile)}`,
    `export AWS_REGION=${q(state.s3.region)}`,
    `export AWS_ENDPOINT_URL_S3=${q(state.s3.endpoint)}`,
    `export SKIFF_S3_ENDPOINT=${q(state.s3.endpoint)}`,
    `export SKIFF_S3_BUCKET=${q(state.s3.bucket)}`,
  ];
}

async function prepare(opts: StartOptions, bins: BinarySet): Promise<ClusterState> {
  const dir = opts.dir;
  await mkdir(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  const [etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok, minio, minioConsole] = await freePorts(8);
  const ports: Ports = { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiServer: apiServer!, controllerManager: controllerManager!, scheduler: scheduler!, kwok: kwok!, minio: minio!, minioConsole: minioConsole! };
  const files: Files = {
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    tokenFile: join(dir, 'tokens.csv'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    apiserverCertDir: join(dir, 'apiserver-certs'),
    kwokConfig: join(dir, 'kwok.yaml'),
  };
  // Fresh secrets for every cluster: nothing static, even for a loopback test cluster.
  const token = randomBytes(24).toString('hex');
  const s3 = {
    endpoint: `http://127.0.0.1:${ports.minio}`,
    region: 'minio',
    bucket: opts.bucket ?? 'skiff',
    accessKeyId: `skiff-${randomBytes(4).toString('hex')}`,
    secretAccessKey: randomBytes(18).toString('base64url'),
    credentialsFile: join(dir, 'aws-credentials'),
  };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  await writeFile(files.saKey, privateKey, { mode: 0o600 });
  await writeFile(files.saPub, publicKey, { mode: 0o600 });
  await writeFile(files.tokenFile, `${token},skiff-admin,skiff-admin,"system:masters"\n`, { mode: 0o600 });
  await writeFile(s3.credentialsFile, `[default]\naws_access_key_id=${s3.accessKeyId}\naws_secret_access_key=${s3.secretAccessKey}\n`, { mode: 0o600 });
  await mkdir(join(dir, 'exec-work'), { recursive: true });
  await writeFile(files.kwokConfig, kwokConfig(await readFile(bins.kwokStages, 'utf8'), join(dir, 'exec-work')));
  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  await symlink(bins.path('kubectl'), join(binDir, 'kubectl')).catch(() => undefined);
  return {
    name: opts.name,
    dir,
    stamp: bins.stamp,
    startedAt: new Date().toISOString(),
    ports,
    files,
    kubeconfig: files.kubeconfig,
    apiServerUrl: `https://127.0.0.1:${ports.apiServer}`,
    etcdUrl: `http://127.0.0.1:${ports.etcdClient}`,
    token,
    binDir,
    binaries: Object.fromEntries(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'minio', 'kubectl'].map((b) => [b, bins.path(b as never)])),
    s3,
    nodes: [],
    components: {},
  };
}

function launchComponent(state: ClusterState, bins: BinarySet, spec: ComponentSpec): void {
  const logFile = join(state.dir, 'logs', `${spec.name}.log`);
  const executable = bins.path(spec.binary);
  const pid = spawnDetached({ name: spec.name, command: executable, args: spec.args, env: { ...process.env, ...spec.env }, logFile });
  state.components[spec.name] = { pid, executable, args: spec.args, ...(spec.env ? { env: spec.env } : {}), logFile, health: spec.health };
}

async function saveState(state: ClusterState): Promise<void> {
  await writeFile(join(state.dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // The watchdog reads plain pids (process-group leaders), one per line.
  const pids = Object.values(state.components).map((c) => c.pid);
  await writeFile(join(state.dir, 'pids'), `${pids.join('\n')}\n`);
}

async function writeKubeconfig(state: ClusterState, ca: Buffer): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: `skiff-${state.name}`, cluster: { server: state.apiServerUrl, 'certificate-authority-data': ca.toString('base64') } }],
    users: [{ name: 'skiff-admin', user: { token: state.token } }],
    contexts: [{ name: `skiff-${state.name}`, context: { cluster: `skiff-${state.name}`, user: 'skiff-admin' } }],
    'current-context': `skiff-${state.name}`,
  };
  await writeFile(state.kubeconfig, stringify(config), { mode: 0o600 });
  await chmod(state.kubeconfig, 0o600);
}
