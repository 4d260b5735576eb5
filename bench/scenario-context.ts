/** @module bench/scenario-context: what a benchmark child process gets from the orchestrator. */
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
