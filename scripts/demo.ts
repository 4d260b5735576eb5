/**
 * @module scripts/demo: `npm run demo [-- --keep]`. Brings up the local control plane and MinIO,
 * deploys the sample nginx app (namespace, Deployment, Service, PV + PVC, ConfigMap, Secret), shows
 * what a user would look at, and tears everything down. The backup → delete → restore drill joins
 * this once restores exist; until then it proves the ground it will stand on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { KubeClient, Resources, type KubeObject } from '../src/kube/index.ts';
import { clusterStatus, envExports, minioClient, namedClusterDir, readState, sampleApp, startCluster, stopCluster } from '../src/local-cluster/index.ts';

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
const state = await startCluster({
  env: process.env,
  dir,
  name: 'demo',
  ...(values.keep ? {} : { owner: process.pid }),
  signal: ac.signal,
  log: (l) => say(`    ${l}`),
});
const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
try {
  for (const s of await clusterStatus(state)) say(`    ${s.name.padEnd(24)} pid ${String(s.pid).padEnd(8)} ${s.healthy ? 'healthy' : 'NOT healthy'}`);
  const version = await client.serverVersion();
  say(`    Kubernetes ${version.gitVersion}; nodes: ${state.nodes.join(', ')}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  step('Deploying the sample app: namespace nginx-example with Deployment, Service, PV + PVC, ConfigMap and Secret');
  for (const { ref, obj } of sampleApp()) {
    await client.create(ref, obj);
    say(`    created ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`);
  }
  const pod = await waitForRunningPod(client, 'nginx-example', 'app=nginx');
  say(`    pod ${pod.metadata.name} is Running on ${(pod.spec as { nodeName?: string }).nodeName}`);
  const volume = await waitForBound(client, 'nginx-example', 'nginx-logs');
  say(`    PVC nginx-logs is Bound to PV ${volume}`);

  step('Exec into the pod (kwok runs the command on this machine)');
  const result = await client.exec({ namespace: 'nginx-example', pod: pod.metadata.name!, command: ['sh', '-c', 'echo hello from $(hostname)'] });
  say(`    exit ${result.exitCode}: ${result.stdout.toString().trim()}`);

  step(`Object storage: MinIO at ${state.s3.endpoint}, bucket ${state.s3.bucket}`);
  const s3 = minioClient(state.s3);
  await s3.send(new PutObjectCommand({ Bucket: state.s3.bucket, Key: 'demo/hello.txt', Body: 'hello from skiff' }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: state.s3.bucket }));
  say(`    objects in the bucket: ${(listed.Contents ?? []).map((o) => o.Key).join(', ')}`);
  s3.destroy();

  say('\nThe backup → delete → restore drill arrives with `skiff restore`; see README.');
  if (values.keep) {
    say('\nThe cluster keeps running. To explore it from this shell:');
    for (const line of envExports(state)) say(`  ${line}`);
    say('  kubectl get all -n nginx-example');
    say('Stop it with: npm run cluster -- down --name demo');
  }
} finally {
  await client.close();
  if (!values.keep) {
    step('Tearing down');
    await stopCluster(state);
    say('    every process stopped, data removed');
  }
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
