/** @module bench/lib: running scenarios in fresh processes, and recording their figures as JSON lines. */
import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../src/kube/index.ts';
import type { ClusterState } from '../src/local-cluster/index.ts';
import { childEnv, v8Flags } from './child-env.ts';
import { delta, requestCounts, type Counts } from './metrics.ts';
import type { ScenarioArgs, ScenarioResult } from './scenario-context.ts';

export interface BenchContext {
  state: ClusterState;
  stateFile: string;
  client: KubeClient;
  runs: number;
  resultsFile: string;
  env: Record<string, unknown>;
  log: (line: string) => void;
  summary: Array<Record<string, string | number>>;
  medians: Record<string, number>;
}

export interface MeasureOptions {
  /** The scenario (in bench/scenario.ts) to run. */
  scenario: string;
  /** Reported name (defaults to the scenario). */
  id?: string;
  floor?: string;
  /** Arguments of each run (run index given: e.g. a fresh namespace per run). */
  args: (run: number) => ScenarioArgs & Record<string, unknown>;
  before?: (run: number) => Promise<void>;
  after?: (run: number) => Promise<void>;
  /** Only count requests to this resource (e.g. configmaps); all when undefined. */
  requestsOf?: string;
  extra?: Record<string, unknown>;
}

/** Runs a scenario `ctx.runs` times in fresh processes, records median/min and the ratio to its floor. */
export async function measure(ctx: BenchContext, m: MeasureOptions): Promise<void> {
  const id = m.id ?? m.scenario;
  const samples: ScenarioResult[] = [];
  let requests: Counts = {};
  for (let r = 0; r < ctx.runs; r++) {
    await m.before?.(r);
    const before = await requestCounts(ctx.state);
    samples.push(await runChild(m.scenario, m.args(r)));
    requests = delta(before, await requestCounts(ctx.state), m.requestsOf);
    await m.after?.(r);
  }
  const rates = samples.map((s) => s.objects / s.seconds).sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  ctx.medians[id] = median;
  const ratio = m.floor && ctx.medians[m.floor] ? median / ctx.medians[m.floor]! : undefined;
  const line = {
    scenario: id, runs: ctx.runs, unit: 'objects/s', objects: samples[0]?.objects,
    median: Math.round(median), min: Math.round(rates[0]!), max: Math.round(rates[rates.length - 1]!),
    ...(ratio !== undefined ? { floor: m.floor, ratioToFloor: Math.round(ratio * 1000) / 1000 } : {}),
    maxRssMB: Math.max(...samples.map((s) => s.maxRssMB)),
    requests, samples, ...m.extra, ...ctx.env, at: new Date().toISOString(),
  };
  await appendFile(ctx.resultsFile, `${JSON.stringify(line)}\n`);
  ctx.summary.push({
    scenario: id,
    objects: line.objects ?? '-',
    'objects/s (median)': line.median,
    min: line.min,
    'vs floor': ratio !== undefined ? `${(ratio * 100).toFixed(0)}%` : '-',
    'rss MB': line.maxRssMB,
    'req/obj': samples[0]?.extra?.requestsPerObject ?? '-',
    'cpu s': samples[0]?.cpuSeconds ?? '-',
    requests: Object.entries(requests).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k}=${v}`).join(' '),
    client: Object.entries(samples[0]?.extra ?? {}).filter(([k]) => k.startsWith('server ') || k === 'pages' || k === 'types').map(([k, v]) => `${k.replace('server ', '')}=${v}`).join(' '),
  });
  ctx.log(`${id}: ${line.median} objects/s${ratio !== undefined ? ` (${(ratio * 100).toFixed(0)}% of ${m.floor})` : ''}, peak RSS ${line.maxRssMB} MB`);
}

/** How runChild starts a scenario's process. */
export interface ChildOptions {
  /** The entry script, relative to bench/ (default scenario.ts; the volume-data scenarios have a lighter one). */
  script?: string;
  /** With bin/skiff's V8 flags for the volume-data commands (`skiff repo`) rather than the server's. */
  volumeData?: boolean;
  /** More Node flags, after those of BENCH_CHILD_FLAGS. */
  flags?: string[];
}

/** Runs scenario `id` in a fresh process; its figures are the last line it prints. */
export async function runChild(id: string, args: unknown, opts: ChildOptions = {}): Promise<ScenarioResult> {
  // Every scenario runs as bin/skiff runs the server or `skiff repo` (same V8 flags), floors included, so RSS compares fairly.
  // BENCH_CHILD_FLAGS adds Node flags for investigating, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = [...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean), ...(opts.flags ?? [])];
  const script = join(import.meta.dirname, opts.script ?? 'scenario.ts');
  const child = spawn(process.execPath, [...v8Flags(opts.volumeData === true), ...flags, script, id, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`scenario ${id} failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').pop()!) as ScenarioResult;
}

export function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(width[i]!)).join('   ').trimEnd();
  process.stdout.write(`\n${fmt(cols.map((c) => c.toUpperCase()))}\n`);
  for (const r of rows) process.stdout.write(`${fmt(cols.map((c) => String(r[c] ?? '')))}\n`);
}
