/**
 * @module bench/run: `npm run bench [-- --quick] [--only kube,k1,k3] [--n N] [--runs R] [--k3-scale S]`.
 * Starts a private local control plane and MinIO, runs each scenario R times in fresh processes, writes one
 * JSON line per scenario into bench/results/ and prints a summary table. Never part of `npm test`.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { appendFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/index.ts';
import { ensureBinaries, startCluster, stopCluster } from '../src/local-cluster/index.ts';
import { backupGroup, kubeClientGroup } from './groups.ts';
import { printTable, type BenchContext } from './lib.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    n: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    'k3-scale': { type: 'string' },
  },
});
const quick = values.quick === true;
const groups = (values.only ?? (quick ? 'kube,k1' : 'kube,k1')).split(',');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const bins = await ensureBinaries({ env: process.env, log });
const stamp = JSON.parse(await readFile(join(bins.dir, 'stamp.json'), 'utf8').catch(() => '{}')) as { seconds?: Record<string, number> };
// As recorded when this cache was built; a truly cold figure needs empty Go caches too (see ADR 0004).
const cachedBuildSeconds = stamp.seconds ? Object.values(stamp.seconds).reduce((a, b) => a + b, 0) : undefined;
const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-'));
const started = Date.now();
const state = await startCluster({ env: process.env, dir, name: 'bench', owner: process.pid, log });
const warmStartSeconds = (Date.now() - started) / 1000;
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
log(`Control plane: binaries from a build that took ${cachedBuildSeconds ?? '?'} s; warm start ${warmStartSeconds.toFixed(1)} s`);
await appendFile(ctx.resultsFile, `${JSON.stringify({ scenario: 'control-plane', cachedBuildSeconds, warmStartSeconds, ...ctx.env, at: new Date().toISOString() })}\n`);
try {
  if (groups.includes('kube')) await kubeClientGroup(ctx, Number(values.n ?? (quick ? 2000 : 10_000)));
  if (groups.includes('k1')) await backupGroup(ctx, { id: 'k1', scale: quick ? 0.2 : 1 });
  if (groups.includes('k3')) await backupGroup(ctx, { id: 'k3', scale: Number(values['k3-scale'] ?? 6), customResources: 20_000 });
} finally {
  await client.close();
  await stopCluster(state);
}
printTable(ctx.summary);
process.stdout.write(`\nResults: ${ctx.resultsFile}\n`);
