/**
 * @module scripts/demo: `npm run demo [-- --keep]`, the main job. Brings up the local control plane and
 * MinIO, deploys the sample nginx app (namespace, Deployment, Service, PV + PVC, ConfigMap, Secret),
 * runs a Skiff server, and backs the app up with the same `skiff` commands a user types — then shows the
 * backup and the bucket, and tears everything down. (The delete → restore half of the disaster drill
 * joins once `skiff restore` exists.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient, Resources, type KubeObject } from '../src/kube/index.ts';
import { clusterStatus, envExports, namedClusterDir, readState, sampleApp, startCluster, stopCluster, type ClusterState } from '../src/local-cluster/index.ts';
import { runCli } from '../src/cli/run-cli.ts';
import { DEFAULT_SERVER_CONFIG, startServer, type RunningServer } from '../src/server/index.ts';
import { createObjectStore } from '../src/storage/index.ts';

const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });
const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (line: string): void => say(`\n==> ${line}`);

const keepDir = namedClusterDir(process.env, 'demo');
if (values.keep) {
  const old = await readState(keepDir);
  if (old) await stopCluster(old);
  await rm(keepDir, { recursive: true, force: true });
}
const dir = values.keep ? keepDir : await mkdtemp(join(tmpdir(), 'skiff-demo-'));
step('Starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) and MinIO');
const started = Date.now();
const ac = new AbortController();
process.once('SIGINT', () => ac.abort(new Error('interrupted')));
const state = await startCluster({ env: process.env, dir, name: 'demo', ...(values.keep ? {} : { owner: process.pid }), signal: ac.signal, log: (l) => say(`    ${l}`) });
const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
let server: RunningServer | undefined;
try {
  for (const s of await clusterStatus(state)) say(`    ${s.name.padEnd(24)} pid ${String(s.pid).padEnd(8)} ${s.healthy ? 'healthy' : 'NOT healthy'}`);
  say(`    Kubernetes ${(await client.serverVersion()).gitVersion}; nodes: ${state.nodes.join(', ')}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  step('Deploying the sample app: namespace nginx-example with Deployment, Service, PV + PVC, ConfigMap and Secret');
  for (const { ref, obj } of sampleApp()) {
    await client.create(ref, obj);
    say(`    created ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`);
  }
  const pod = await waitForRunningPod(client, 'nginx-example', 'app=nginx');
  say(`    pod ${pod.metadata.name} is Running on ${(pod.spec as { nodeName?: string }).nodeName}; PVC nginx-logs is Bound to ${await waitForBound(client, 'nginx-example', 'nginx-logs')}`);

  const skiff = cli(state);
  step('Installing the velero.io CRDs and a backup location in MinIO');
  await skiff('install', '--crds-only');
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
  await skiff('backup-location', 'create', 'default', '--provider', 'aws', '--bucket', state.s3.bucket, '--default', '--config', `region=${state.s3.region},s3ForcePathStyle=true,s3Url=${state.s3.endpoint}`);

  step('Starting the Skiff server (in this process; `bin/skiff server` runs the same thing)');
  server = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: 'velero', kubeconfig: state.kubeconfig },
    env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
    write: (line) => /level=(warning|error)|is available|backup .* (started|Completed|PartiallyFailed|failed)/.test(line) && say(`    server: ${line.replace(/^time="[^"]+" /, '')}`),
  });
  await waitForLocation(client);

  step('Backing up the app');
  const backupStarted = Date.now();
  await skiff('backup', 'create', 'nginx-backup', '--selector', 'app=nginx', '--wait');
  say(`    (${((Date.now() - backupStarted) / 1000).toFixed(1)} s)`);
  await skiff('backup', 'get');
  step('What `skiff backup describe nginx-backup --details` shows');
  await skiff('backup', 'describe', 'nginx-backup', '--details');

  step(`The bucket (${state.s3.endpoint}/${state.s3.bucket}), in Velero's layout`);
  const store = await createObjectStore({ provider: 'aws', bucket: state.s3.bucket, config: { region: state.s3.region, s3ForcePathStyle: 'true', s3Url: state.s3.endpoint }, env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile } });
  for await (const o of store.listObjects('')) say(`    ${String(o.size).padStart(8)}  ${o.key}`);
  await store.close();

  say('\nThe delete → restore half of the disaster drill arrives with `skiff restore`; see README.');
  if (values.keep) {
    say('\nThe cluster keeps running (the server stops with this command; start one with `bin/skiff server`). To explore it:');
    for (const line of envExports(state)) say(`  ${line}`);
    say('  bin/skiff backup get; kubectl get all -n nginx-example');
    say('Stop it with: npm run cluster -- down --name demo');
  }
} finally {
  await server?.stop();
  await client.close();
  if (!values.keep) {
    step('Tearing down');
    await stopCluster(state);
    say('    every process stopped, data removed');
  }
}

/** Runs `skiff …` in-process against the demo cluster, its output indented under the command line. */
function cli(s: ClusterState): (...argv: string[]) => Promise<void> {
  const indent = (text: string): string => text.replace(/^(?=.)/gm, '    ');
  const out = { write: (t: string) => void process.stdout.write(indent(t)) };
  return async (...argv) => {
    say(`  $ skiff ${argv.map((a) => (/[\s,=]/.test(a) && !a.startsWith('--') ? `'${a}'` : a)).join(' ')}`);
    const code = await runCli(argv, { env: { KUBECONFIG: s.kubeconfig }, stdout: out, stderr: out, homeDir: s.dir, cwd: process.cwd() });
    if (code !== 0) throw new Error(`skiff ${argv.join(' ')} exited with ${code}`);
  };
}

async function waitForLocation(c: KubeClient): Promise<void> {
  const ref = { group: 'velero.io', version: 'v1', resource: 'backupstoragelocations', namespaced: true };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const bsl = await c.get(ref, 'default', { namespace: 'velero' });
    if ((bsl.status as { phase?: string } | undefined)?.phase === 'Available') return;
  }
  throw new Error('backup location default did not become Available within 60 s');
}

async function waitForRunningPod(c: KubeClient, namespace: string, selector: string): Promise<KubeObject> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const pods = await c.list(Resources.pods, { namespace, labelSelector: selector });
    const running = pods.items.find((p) => (p.status as { phase?: string })?.phase === 'Running');
    if (running) return running;
  }
  throw new Error(`no Running pod matched ${selector} in ${namespace} within 60 s`);
}

async function waitForBound(c: KubeClient, namespace: string, name: string): Promise<string> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const pvc = await c.get(Resources.persistentVolumeClaims, name, { namespace });
    if ((pvc.status as { phase?: string })?.phase === 'Bound') return (pvc.spec as { volumeName: string }).volumeName;
  }
  throw new Error(`PVC ${namespace}/${name} was not Bound within 60 s`);
}
