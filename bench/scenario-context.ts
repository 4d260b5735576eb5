/**
 * @module bench/scenario-context: what a benchmark child process gets from the orchestrator, and the child's
 * entry loop. Light on purpose (no Kubernetes client, no undici): the volume-data child imports it too.
 */
import { readFile } from 'node:fs/promises';
import type { ClusterState } from '../src/local-cluster/index.ts';

export interface ScenarioArgs {
  stateFile: string;
  namespace: string;
  n: number;
  concurrency: number;
  pageSize: number;
}

export interface ScenarioResult {
  objects: number;
  seconds: number;
  /** CPU time of this process (user + system, all threads) during the timed part. */
  cpuSeconds?: number;
  maxRssMB: number;
  /** Scenario-specific extras (pages read, retries…). */
  extra?: Record<string, number>;
}

export async function loadState(file: string): Promise<ClusterState> {
  return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
}

/** A ConfigMap of about 1 KB, as in the K1 data set. */
export function configMapBody(namespace: string, name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { app: 'bench', tier: 'floor' } },
    data: { 'config.yaml': `name: ${name}\n${'key: value-0123456789abcdef\n'.repeat(34)}` },
  });
}

export function maxRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** What a scenario's timed part did. */
export interface Outcome {
  objects: number;
  extra?: Record<string, number>;
}

/**
 * A scenario prepared untimed: `run` is the timed part; `close` releases what it holds, and the figures it
 * returns (counted after the timed part: objects and bytes written…) join `extra`.
 */
export interface Prepared {
  run: () => Promise<Outcome>;
  close: () => Promise<Record<string, number> | void>;
}

export type Scenario<A> = (args: A) => Promise<Prepared>;

/**
 * A child's entry (`node <script> <name> <json-args>`): prepares the named scenario, times its run (wall
 * clock and CPU of all threads), closes it and prints one ScenarioResult JSON line.
 */
export async function runScenarioMain<A>(script: string, scenarios: Record<string, Scenario<A>>): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const scenario = scenarios[name ?? ''];
  if (!scenario || !json) {
    process.stderr.write(`usage: ${script} <${Object.keys(scenarios).join('|')}> <json-args>\n`);
    process.exit(2);
  }
  const prepared = await scenario(JSON.parse(json) as A);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const out = await prepared.run();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await prepared.close();
  const extra = after ? { ...out.extra, ...after } : out.extra;
  const cpuSeconds = Math.round((used.user + used.system) / 1e4) / 100;
  const result: ScenarioResult = { objects: out.objects, seconds, cpuSeconds, maxRssMB: maxRssMB(), ...(extra ? { extra } : {}) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
