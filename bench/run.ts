/**
 * @module bench/run: `npm run bench [-- --quick] [--n N] [--runs R] [--only a,b]`. Starts a private
 * local control plane, runs every scenario R times in fresh processes, and writes one JSON line per
 * scenario into bench/results/ plus a summary table. Never part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, appendFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient, Resources, isNotFound } from '../src/kube/index.ts';
import { ensureBinaries, startCluster, stopCluster, type ClusterState } from '../src/local-cluster/index.ts';
import { delta, requestCounts, type Counts } from './metrics.ts';
import type { ScenarioArgs, ScenarioResult } from './scenario-context.ts';

interface Scenario {
  id: string;
  floor?: string;
  /** 'create' scenarios need an empty namespace per run; 'list' ones read the shared data set. */
  kind: 'create' | 'list';
}

/** Floors first: each measured figure is reported as a ratio of its floor from the same run. */
const SCENARIOS: Scenario[] = [
  { id: 'floor-create', kind: 'create' },
  { id: 'floor-list', kind: 'list' },
  { id: 'kube-create', floor: 'floor-create', kind: 'create' },
  { id: 'kube-list', floor: 'floor-list', kind: 'list' },
];

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, n: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } },
});
const n = Number(values.n ?? (values.quick ? 2000 : 10_000));
const runs = Number(values.runs ?? (values.quick ? 1 : 3));
const only = values.only?.split(',');

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const buildStarted = Date.now();
const bins = await ensureBinaries({ env: process.env, log });
const stamp = JSON.parse(await readFile(join(bins.dir, 'stamp.json'), 'utf8').catch(() => '{}')) as { seconds?: Record<string, number> };
// As recorded when this cache was built; a truly cold figure needs empty Go caches too (see ADR 0004).
const cachedBuildSeconds = stamp.seconds ? Object.values(stamp.seconds).reduce((a, b) => a + b, 0) : undefined;
const ensureSeconds = (Date.now() - buildStarted) / 1000;
const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-'));
const startT = Date.now();
const state = await startCluster({ env: process.env, dir, name: 'bench', owner: process.pid, log });
const warmStartSeconds = (Date.now() - startT) / 1000;
const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
const resultsFile = join(import.meta.dirname, 'results', `${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.jsonl`);
await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
const env = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load: loadavg().map((l) => Math.round(l * 100) / 100) };
log(`Control plane: binaries from a build that took ${cachedBuildSeconds ?? '?'} s (this run only checked the cache: ${ensureSeconds.toFixed(1)} s); warm start ${warmStartSeconds.toFixed(1)} s`);
await appendFile(resultsFile, `${JSON.stringify({ scenario: 'control-plane', cachedBuildSeconds, warmStartSeconds, ...env, at: new Date().toISOString() })}\n`);

const dataNs = 'bench-data';
const summary: Array<Record<string, string | number>> = [];
const medians: Record<string, number> = {};
try {
  await createNamespace(dataNs);
  await runChild('floor-create', { stateFile: join(dir, 'state.json'), namespace: dataNs, n, concurrency: 64, pageSize: 500 }); // the list data set
  for (const sc of SCENARIOS) {
    if (only && !only.includes(sc.id)) continue;
    const samples: ScenarioResult[] = [];
    let requests: Counts = {};
    for (let r = 0; r < runs; r++) {
      const ns = sc.kind === 'create' ? `bench-${sc.id}-${r}` : dataNs;
      if (sc.kind === 'create') await createNamespace(ns);
      const before = await requestCounts(state);
      samples.push(await runChild(sc.id, { stateFile: join(dir, 'state.json'), namespace: ns, n, concurrency: 64, pageSize: 500 }));
      requests = delta(before, await requestCounts(state), 'configmaps');
      if (sc.kind === 'create') await deleteNamespace(ns);
    }
    const rates = samples.map((s) => s.objects / s.seconds).sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)]!;
    medians[sc.id] = median;
    const ratio = sc.floor && medians[sc.floor] ? median / medians[sc.floor]! : undefined;
    const line = {
      scenario: sc.id, n, runs, unit: 'objects/s',
      median: Math.round(median), min: Math.round(rates[0]!), max: Math.round(rates[rates.length - 1]!),
      ...(ratio !== undefined ? { floor: sc.floor, ratioToFloor: Math.round(ratio * 1000) / 1000 } : {}),
      maxRssMB: Math.max(...samples.map((s) => s.maxRssMB)),
      requests, samples, ...env, at: new Date().toISOString(),
    };
    await appendFile(resultsFile, `${JSON.stringify(line)}\n`);
    summary.push({ scenario: sc.id, 'objects/s (median)': line.median, min: line.min, 'vs floor': ratio !== undefined ? `${(ratio * 100).toFixed(0)}%` : '-', 'rss MB': line.maxRssMB, requests: Object.entries(requests).map(([k, v]) => `${k}=${v}`).join(' ') });
    log(`${sc.id}: ${line.median} objects/s${ratio !== undefined ? ` (${(ratio * 100).toFixed(0)}% of ${sc.floor})` : ''}`);
  }
} finally {
  await client.close();
  await stopCluster(state);
}
printTable(summary);
process.stdout.write(`\nResults: ${resultsFile}\n`);

async function runChild(id: string, args: ScenarioArgs): Promise<ScenarioResult> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'scenario.ts'), id, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`scenario ${id} failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').pop()!) as ScenarioResult;
}

async function createNamespace(name: string): Promise<void> {
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Waits until the namespace is gone, so its deletion does not load the server during the next run. */
async function deleteNamespace(name: string): Promise<void> {
  await client.delete(Resources.namespaces, name);
  for (;;) {
    try {
      await client.get(Resources.namespaces, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(width[i]!)).join('   ').trimEnd();
  process.stdout.write(`\n${fmt(cols.map((c) => c.toUpperCase()))}\n`);
  for (const r of rows) process.stdout.write(`${fmt(cols.map((c) => String(r[c])))}\n`);
}

export type { ClusterState };
