/**
 * @module bench/run: `npm run bench [-- --quick] [--only kube,k1,k2,k3,k4,f1,f2,f3,f4,m1] [--n N] [--runs R]
 * [--k3-scale S] [--restore-scale S] [--f1-mib M] [--f2-files N] [--trace] [--cluster NAME]`.
 * Starts a private local control plane and MinIO (or, with --cluster, uses the named long-lived cluster of
 * `npm run cluster -- up` and leaves it running), runs each scenario R times in fresh processes, writes one
 * JSON line per scenario into bench/results/ and prints a summary table. Never part of `npm test`.
 * k2 and k4 share one group (one seeded data set and backup): K2 restores into deleted namespaces, K4 onto
 * the objects as backed up; --restore-scale scales their data set (1 = K1's 13,000 objects); --trace prints
 * when each kind of request the restoring server made was answered, and its tier log lines.
 * f1–f4 and m1 (volume data, bench/scenarios/fs-group.ts) use only MinIO and the local disk; --f1-mib sizes
 * F1's file (default 1024), --f2-files F2's file count (default 100,000; 1000000 for the memory-scaling figure).
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { appendFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/index.ts';
import { ensureBinaries, namedClusterDir, readState, startCluster, stopCluster } from '../src/local-cluster/index.ts';
import { backupGroup, kubeClientGroup, restoreGroup } from './groups.ts';
import { FS_GROUPS, fsGroup } from './scenarios/fs-group.ts';
import { printTable, type BenchContext } from './lib.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    n: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    'k3-scale': { type: 'string' },
    'restore-scale': { type: 'string' },
    'f1-mib': { type: 'string' },
    'f2-files': { type: 'string' },
    cluster: { type: 'string' },
    trace: { type: 'boolean' },
  },
});
const quick = values.quick === true;
const groups = (values.only ?? (quick ? 'kube,k1' : 'kube,k1,k2,k4')).split(',');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const bins = await ensureBinaries({ env: process.env, log });
const stamp = JSON.parse(await readFile(join(bins.dir, 'stamp.json'), 'utf8').catch(() => '{}')) as { seconds?: Record<string, number> };
// As recorded when this cache was built; a truly cold figure needs empty Go caches too (see ADR 0004).
const cachedBuildSeconds = stamp.seconds ? Object.values(stamp.seconds).reduce((a, b) => a + b, 0) : undefined;
// --cluster NAME: a long-lived cluster someone else started (and stops); otherwise a private one.
const shared = values.cluster;
const dir = shared ? namedClusterDir(process.env, shared) : await mkdtemp(join(tmpdir(), 'skiff-bench-'));
const started = Date.now();
const existing = shared ? await readState(dir) : undefined;
if (shared && !existing) throw new Error(`cluster "${shared}" is not running; start it with: npm run cluster -- up --name ${shared}`);
const state = existing ?? (await startCluster({ env: process.env, dir, name: 'bench', owner: process.pid, log }));
const warmStartSeconds = shared ? undefined : (Date.now() - started) / 1000;
const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
const ctx: BenchContext = {
  state,
  stateFile: join(dir, 'state.json'),
  client,
  runs: Number(values.runs ?? (quick ? 1 : 3)),
  resultsFile: join(import.meta.dirname, 'results', `${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.jsonl`),
  env: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load: loadavg().map((l) => Math.round(l * 100) / 100) },
  log,
  summary: [],
  medians: {},
};
log(`Control plane: binaries from a build that took ${cachedBuildSeconds ?? '?'} s; ${shared ? `the running cluster "${shared}"` : `warm start ${warmStartSeconds?.toFixed(1)} s`}`);
await appendFile(ctx.resultsFile, `${JSON.stringify({ scenario: 'control-plane', cachedBuildSeconds, warmStartSeconds, ...(shared ? { cluster: shared } : {}), ...ctx.env, at: new Date().toISOString() })}\n`);
try {
  if (groups.includes('kube')) await kubeClientGroup(ctx, Number(values.n ?? (quick ? 2000 : 10_000)));
  if (groups.includes('k1')) await backupGroup(ctx, { id: 'k1', scale: quick ? 0.2 : 1 });
  if (groups.includes('k3')) await backupGroup(ctx, { id: 'k3', scale: Number(values['k3-scale'] ?? 6), customResources: 20_000 });
  if (groups.includes('k2') || groups.includes('k4')) {
    await restoreGroup(ctx, { scale: Number(values['restore-scale'] ?? (quick ? 0.2 : 1)), k2: groups.includes('k2'), k4: groups.includes('k4'), trace: values.trace === true });
  }
  const fsIds = groups.filter((g) => (FS_GROUPS as readonly string[]).includes(g));
  if (fsIds.length > 0) {
    const f2Files = Number(values['f2-files'] ?? (quick ? 20_000 : 100_000));
    await fsGroup(ctx, { ids: fsIds, f1Bytes: Number(values['f1-mib'] ?? (quick ? 256 : 1024)) * 1024 * 1024, f2Files, f2Dirs: Math.max(1, Math.round(f2Files / 100)) });
  }
} finally {
  await client.close();
  if (!shared) await stopCluster(state);
}
printTable(ctx.summary);
process.stdout.write(`\nResults: ${ctx.resultsFile}\n`);
