/**
 * @module scripts/demo: `npm run demo [-- --keep]`, the main job — a disaster drill on a local cluster.
 * Brings up the local control plane and MinIO, deploys the sample nginx app (namespace, Deployment, Service,
 * PV + PVC, ConfigMap, Secret), installs the CRDs and a backup location, runs `bin/skiff server`, backs the
 * app up with the `skiff` commands a user types, records every backed-up object, deletes the namespace and
 * the retained volume, restores with `skiff restore create --wait`, and checks that every object is back
 * as it was (in what the user controls) and that the app's pod runs again. Prints the timing of each step,
 * exits non-zero on any difference, and tears everything down — or, with `--keep`, leaves the cluster and
 * the server running and prints the `export` lines to explore them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VeleroResources } from '../src/api/index.ts';
import { KubeClient, Resources, type KubeObject } from '../src/kube/index.ts';
import { clusterStatus, envExports, namedClusterDir, readState, sampleApp, startCluster, stopCluster, type ClusterState } from '../src/local-cluster/index.ts';
import { runCli } from '../src/cli/run-cli.ts';
import {
  bucket, compare, kindCounts, objectsInBackup, outcomes, phase, seconds, serverLogTail, snapshot, startServerProcess,
  stopLeftoverServer, stopServerProcess, waitUntil, type ServerProcess,
} from './demo-support.ts';

const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });
const keep = values.keep === true;
const NS = 'nginx-example';
const PV = 'pv-nginx-logs';
const BACKUP = 'nginx-backup';
const RESTORE = 'nginx-restore';
const SERVER_NS = 'velero';
const STEPS = 7;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
let stepNo = 0;
const step = (line: string): void => say(`\n==> ${++stepNo}/${STEPS} ${line}`);
const timings: Array<{ step: string; ms: number; note: string }> = [];
async function timed<T>(name: string, fn: () => Promise<T>, note: (v: T) => string = () => ''): Promise<T> {
  const t0 = Date.now();
  const v = await fn();
  timings.push({ step: name, ms: Date.now() - t0, note: note(v) });
  return v;
}

say('Skiff disaster drill: deploy an app, back it up, destroy it, restore it, check that everything is back.');
const keepDir = namedClusterDir(process.env, 'demo');
if (keep) {
  // A previous `--keep` run: its server and cluster go first.
  await stopLeftoverServer(keepDir);
  const old = await readState(keepDir);
  if (old) await stopCluster(old);
  await rm(keepDir, { recursive: true, force: true });
}
const dir = keep ? keepDir : await mkdtemp(join(tmpdir(), 'skiff-demo-'));
const drillStarted = Date.now();
const ac = new AbortController();
let state: ClusterState | undefined;
let server: ServerProcess | undefined;
let client: KubeClient | undefined;
let tornDown: Promise<void> | undefined;
const teardown = (): Promise<void> =>
  (tornDown ??= (async () => {
    await client?.close();
    if (keep || !state) return;
    say('\n==> Tearing down');
    if (server) await stopServerProcess(server);
    await stopCluster(state);
    say('    skiff server, control plane and MinIO stopped; cluster data removed');
  })());
process.on('SIGINT', () => {
  ac.abort(new Error('interrupted'));
  if (!state) return;
  say(keep ? '\ninterrupted: the cluster keeps running (`npm run demo -- --keep` again replaces it)' : '\ninterrupted');
  void teardown().finally(() => process.exit(130));
});

step('Starting a local Kubernetes: etcd, kube-apiserver, controller-manager, scheduler, kwok (simulated nodes) and MinIO');
state = await timed('cluster up', () => startCluster({ env: process.env, dir, name: 'demo', ...(keep ? {} : { owner: process.pid }), signal: ac.signal, log: (l) => say(`    ${l}`) }), (st) => `${st.nodes.length} kwok nodes, MinIO`).catch(async (err: Error) => {
  say(ac.signal.aborted ? '\ninterrupted' : `\nDRILL FAILED: the local cluster did not start: ${err.message}`);
  if (!keep) await rm(dir, { recursive: true, force: true });
  process.exit(ac.signal.aborted ? 130 : 1);
});
const s = state;
try {
  const kube = (client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: s.kubeconfig, env: {} } }));
  const unhealthy = (await clusterStatus(s)).filter((c) => !c.healthy).map((c) => c.name);
  if (unhealthy.length > 0) throw new Error(`not healthy: ${unhealthy.join(', ')}`);
  say(`    Kubernetes ${(await kube.serverVersion()).gitVersion}, nodes ${s.nodes.join(', ')}, S3 at ${s.s3.endpoint}: ready in ${seconds(timings[0]!.ms)}`);

  step(`Deploying the sample app in namespace ${NS}`);
  const pod = await timed('deploy', async () => {
    for (const { ref, obj } of sampleApp()) {
      await kube.create(ref, obj);
      say(`    created ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`);
    }
    await waitForBound(kube);
    return waitForRunningPod(kube);
  }, () => `${sampleApp().length} objects, pod Running`);
  say(`    pod ${pod.metadata.name} is Running on ${nodeOf(pod)}; claim nginx-logs is Bound to ${PV}`);

  const skiff = cli(s);
  step('Installing Skiff: the velero.io CRDs, a backup location in MinIO, and `skiff server`');
  server = await timed('skiff up', async () => {
    await skiff.quiet((out) => `${(out.match(/: created$/gm) ?? []).length} CustomResourceDefinitions created. ${out.trimEnd().split('\n').at(-1)}`, 'install', '--crds-only');
    await kube.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SERVER_NS } });
    await skiff('backup-location', 'create', 'default', '--provider', 'aws', '--bucket', s.s3.bucket, '--default', '--config', `region=${s.s3.region},s3ForcePathStyle=true,s3Url=${s.s3.endpoint}`);
    say(`  $ skiff server --namespace ${SERVER_NS} &`);
    const started = await startServerProcess(s, SERVER_NS);
    server = started;
    await waitUntil('backup location default to become Available (is the server running?)', async () => phase(await kube.get(VeleroResources.backupStorageLocations, 'default', { namespace: SERVER_NS })) === 'Available');
    return started;
  }, () => 'CRDs, backup location, server');
  say(`    server pid ${server.pid} is up; location default is Available`);

  step('Backing up the app');
  await timed('backup', async () => {
    await skiff('backup', 'create', BACKUP, '--selector', 'app=nginx', '--wait');
    const b = await kube.get(VeleroResources.backups, BACKUP, { namespace: SERVER_NS });
    if (phase(b) !== 'Completed') throw new Error(`backup ${BACKUP} ended ${phase(b)}, not Completed (see \`skiff backup describe ${BACKUP}\`)`);
  });
  await skiff('backup', 'get');
  const { objects: bucketObjects, store } = await bucket(s);
  const inBackup = await store.getBackupSidecar(BACKUP, 'resourceList');
  if (!inBackup) throw new Error(`backup ${BACKUP} has no resource list in the bucket`);
  const tracked = await objectsInBackup(kube, inBackup);
  timings.at(-1)!.note = `${tracked.length} objects`;
  say(`    ${tracked.length} objects in the backup: ${kindCounts(inBackup)}`);

  step(`Disaster: deleting namespace ${NS} and the retained volume ${PV}`);
  const before = await snapshot(kube, tracked);
  say(`    recorded the ${before.size} backed-up objects as they are now`);
  await timed('delete', async () => {
    await kube.delete(Resources.namespaces, NS);
    await waitUntil(`namespace ${NS} to be gone`, async () => !(await kube.getIfExists(Resources.namespaces, NS)), 180_000);
    say(`    namespace ${NS} is gone, with everything in it`);
    const pv = await kube.getIfExists(Resources.persistentVolumes, PV);
    if (pv) {
      await kube.delete(Resources.persistentVolumes, PV);
      await waitUntil(`PV ${PV} to be gone`, async () => !(await kube.getIfExists(Resources.persistentVolumes, PV)));
      say(`    PV ${PV} (reclaim policy Retain, left ${phase(pv)}) is deleted too: the restore must recreate it`);
    }
  }, () => `namespace ${NS} and PV ${PV}`);
  const gone = [...(await snapshot(kube, tracked)).values()].filter((o) => o === undefined).length;
  say(`    ${gone} of ${tracked.length} backed-up objects are gone`);

  step('Restoring the app from the backup');
  const restored = await timed('restore', async () => {
    await skiff('restore', 'create', RESTORE, '--from-backup', BACKUP, '--wait');
    const r = await kube.get(VeleroResources.restores, RESTORE, { namespace: SERVER_NS });
    const st = (r.status ?? {}) as { phase?: string; errors?: number; warnings?: number };
    if (st.phase !== 'Completed' || (st.errors ?? 0) > 0) {
      throw new Error(`restore ${RESTORE} ended ${st.phase} with ${st.errors ?? 0} errors (see \`skiff restore describe ${RESTORE} --details\` and \`skiff restore logs ${RESTORE}\`)`);
    }
    return { warnings: st.warnings ?? 0, outcomes: outcomes(await store.getRestoreSidecar(RESTORE, 'resourceList')) };
  }, (r) => `${Object.values(r.outcomes).reduce((a, b) => a + b, 0)} objects: ${Object.entries(r.outcomes).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  await skiff('restore', 'get');
  if (restored.warnings > 0) say(`    ${restored.warnings} warnings: see \`skiff restore describe ${RESTORE}\``);

  step('Verifying: every backed-up object is back as it was, and the app runs');
  const { after, running, problems } = await timed('verify', async () => {
    await waitForBound(kube);
    const running = await waitForRunningPod(kube);
    const after = await snapshot(kube, tracked, before);
    return { after, running, problems: compare(tracked, before, after) };
  });
  say(`    pod ${running.metadata.name} is Running on ${nodeOf(running)}; claim nginx-logs is Bound to ${PV} again`);
  if (!s.nodes.includes(nodeOf(running))) problems.push(`pod ${running.metadata.name} runs on ${nodeOf(running)}, not on a kwok node (${s.nodes.join(', ')})`);
  const same = tracked.filter((o) => after.get(o.key) && !problems.some((p) => p.startsWith(`${o.key}:`))).length;
  timings.at(-1)!.note = `${same}/${tracked.length} objects identical`;
  if (problems.length > 0) {
    for (const p of problems) say(`    MISMATCH ${p}`);
    throw new Error(`${problems.length} differences between the app before the disaster and after the restore`);
  }
  say(`    all ${tracked.length} objects match their pre-disaster state in every field the user controls`);
  say('    (fields the cluster assigns do not count: uid, resourceVersion, timestamps, status, cluster IP, node name)');

  say('\n==> Drill passed');
  for (const t of timings) say(`    ${t.step.padEnd(12)} ${seconds(t.ms).padStart(8)}   ${t.note}`);
  say(`    ${'total'.padEnd(12)} ${seconds(Date.now() - drillStarted).padStart(8)}`);
  say(`    backup and restore files in s3://${s.s3.bucket}/ (Velero's layout): ${(await listKeys(bucketObjects)).join(', ')}`);
  await bucketObjects.close();

  if (keep) {
    say('\nThe cluster and the Skiff server keep running. To explore them:');
    for (const line of envExports(s)) say(`  ${line}`);
    say(`  bin/skiff backup describe ${BACKUP} --details; bin/skiff restore describe ${RESTORE} --details; bin/skiff restore logs ${RESTORE}`);
    say(`  kubectl get all,pvc,configmaps,secrets -n ${NS}`);
    say(`Server log: ${server.logFile}`);
    say(`Stop everything with: kill ${server.pid}; npm run cluster -- down --name demo   (or run \`npm run demo -- --keep\` again)`);
  }
} catch (err) {
  process.exitCode = 1;
  if (ac.signal.aborted) await new Promise(() => undefined); // interrupted: the SIGINT handler tears down and exits
  say(`\nDRILL FAILED: ${(err as Error).message}`);
  const tail = await serverLogTail(server);
  if (tail.length > 0) {
    say('Last lines of the server log:');
    for (const l of tail) say(`    ${l}`);
  }
  if (keep) {
    say('\nThe cluster is left running for a look:');
    for (const line of envExports(s)) say(`  ${line}`);
    say(`Stop it with: ${server ? `kill ${server.pid}; ` : ''}npm run cluster -- down --name demo   (or run \`npm run demo -- --keep\` again)`);
  }
} finally {
  await teardown();
}

interface Skiff {
  (...argv: string[]): Promise<void>;
  /** Runs the command but prints only `summary` of its output (the whole output if it fails). */
  quiet(summary: (output: string) => string, ...argv: string[]): Promise<void>;
}

/** Runs `skiff …` in-process (the same code as `bin/skiff`) against the demo cluster, its output indented under the command line. */
function cli(st: ClusterState): Skiff {
  let lineStart = true;
  const indent = (text: string): string => {
    const out = text.replace(/(^|\n)(?=[^\n])/g, (m, nl: string, offset: number) => (offset === 0 && !lineStart ? m : `${nl}    `));
    if (text !== '') lineStart = text.endsWith('\n');
    return out;
  };
  const run = async (argv: string[], summary?: (output: string) => string): Promise<void> => {
    say(`  $ skiff ${argv.map((a) => (/[\s,=]/.test(a) && !a.startsWith('--') ? `'${a}'` : a)).join(' ')}`);
    let captured = '';
    const out = { write: (t: string) => void (summary ? (captured += t) : process.stdout.write(indent(t))) };
    const code = await runCli(argv, { env: { KUBECONFIG: st.kubeconfig }, stdout: out, stderr: out, homeDir: st.dir, cwd: process.cwd() });
    if (!lineStart) say();
    lineStart = true;
    if (summary) say(indent(`${code === 0 ? summary(captured) : captured.trimEnd()}\n`).trimEnd());
    if (code !== 0) throw new Error(`skiff ${argv.join(' ')} exited with ${code}`);
  };
  return Object.assign((...argv: string[]) => run(argv), { quiet: (summary: (output: string) => string, ...argv: string[]) => run(argv, summary) });
}

function nodeOf(pod: KubeObject): string {
  return (pod.spec as { nodeName?: string }).nodeName ?? '<unscheduled>';
}

function waitForRunningPod(c: KubeClient): Promise<KubeObject> {
  return waitUntil(`a Running nginx pod in ${NS}`, async () => (await c.list(Resources.pods, { namespace: NS, labelSelector: 'app=nginx' })).items.find((p) => phase(p) === 'Running'), 120_000);
}

function waitForBound(c: KubeClient): Promise<true> {
  return waitUntil(`claim ${NS}/nginx-logs to be Bound`, async () => phase(await c.getIfExists(Resources.persistentVolumeClaims, 'nginx-logs', { namespace: NS })) === 'Bound' || undefined);
}

/** The bucket's keys, shortened: one entry per backup or restore folder with its file count. */
async function listKeys(objects: Awaited<ReturnType<typeof bucket>>['objects']): Promise<string[]> {
  const folders = new Map<string, number>();
  for await (const o of objects.listObjects('')) {
    const folder = o.key.split('/').slice(0, 2).join('/');
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  return [...folders].map(([f, n]) => `${f}/ (${n} files)`);
}
