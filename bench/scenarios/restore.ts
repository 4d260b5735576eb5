/**
 * @module bench/scenarios/restore: K2/K4 — a real `skiff server` (in this fresh process) restores K1's
 * backup; the figure is objects/s from creating the Restore to its final phase, and this process's peak
 * RSS is the server's. Every API request the server makes while it runs is counted by verb, resource and
 * status. The floor POSTs the same objects with a bare client, 64 in flight.
 */
import diagnostics from 'node:diagnostics_channel';
import { readFile } from 'node:fs/promises';
import { VeleroResources } from '../../src/api/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer } from '../../src/server/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { bareCreatorOf, pool, type Creation } from '../floors.ts';
import { ApiRequestLog } from '../metrics.ts';
import { loadState, type Prepared, type ScenarioArgs } from '../scenario-context.ts';

export interface RestoreArgs extends ScenarioArgs {
  /** The server namespace, with a location Available and the backup Completed (set up untimed). */
  serverNamespace: string;
  backupName: string;
  /** Restore's spec.existingResourcePolicy (unset: Velero's default, which behaves as `none`). */
  existingResourcePolicy?: 'none' | 'update';
  /** Print to stderr when each kind of request was made (first and last answer), and the server's restore log lines. */
  trace?: boolean;
  /** For the floor: a JSON file of {namespaces, objects, deployments}, each a list of {path, body}. */
  objectsFile?: string;
}

const TERMINAL = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'];

export async function skiffRestore(args: RestoreArgs): Promise<Prepared> {
  const state = await loadState(args.stateFile);
  // Installed before the server starts: its client is the one counted (User-Agent skiff-server).
  const requests = new ApiRequestLog(state.apiServerUrl, 'skiff-server');
  const outcomes: Record<string, number> = {};
  let traceT0 = performance.now();
  /** The run's extras: filled in by close() with the outcome counts of the server's log line. */
  let counted: Record<string, number> | undefined;
  const server = await startServer({
    // Tracing echoes the restore's own log (debug): its tier lines show when each tier started.
    config: { ...DEFAULT_SERVER_CONFIG, namespace: args.serverNamespace, kubeconfig: state.kubeconfig, logLevel: args.trace ? 'debug' : 'info', logFormat: 'json', metricsAddress: '127.0.0.1:0' },
    env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
    // The final "restore <name> Completed" line carries the created/updated/failed counts.
    write: (line) => {
      if (args.trace && /"msg":"[^"]*(restore \S+ (started|Completed|PartiallyFailed|Failed)|Restoring |Read the backup|Restore finished|Established)/.test(line)) {
        process.stderr.write(`  [${Math.round(performance.now() - traceT0)} ms] ${line.slice(0, 300)}\n`);
      }
      if (!line.includes('"restore ')) return;
      const l = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['created', 'updated', 'failed', 'warnings', 'errors']) if (typeof l[k] === 'number') outcomes[k] = l[k];
    },
  });
  const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} } });
  const name = `bench-${args.existingResourcePolicy ?? 'restore'}-${Date.now()}`;
  // Object storage goes through node:http (the AWS SDK): traced as "S3 <verb> <file>", finished responses.
  const s3 = (message: unknown): void => {
    const { request } = message as { request: { method: string; path: string } };
    requests.note(`S3 ${request.method} ${(request.path.split('?')[0] ?? '').split('/').pop()?.replace(/\d{6,}/g, 'N')}`);
  };
  if (args.trace) diagnostics.subscribe('http.client.response.finish', s3);
  return {
    run: async () => {
      requests.reset();
      traceT0 = performance.now();
      const stats = server.client.transport.stats;
      const before = { retries: stats.retries, throttled: stats.throttled };
      const spec = { backupName: args.backupName, ...(args.existingResourcePolicy ? { existingResourcePolicy: args.existingResourcePolicy } : {}) };
      await client.create(VeleroResources.restores, { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: args.serverNamespace }, spec });
      for (;;) {
        const r = await client.get(VeleroResources.restores, name, { namespace: args.serverNamespace });
        const status = (r.status ?? {}) as { phase?: string; progress?: { itemsRestored?: number }; errors?: number; warnings?: number };
        if (TERMINAL.includes(status.phase ?? '')) {
          if (status.phase !== 'Completed' && status.phase !== 'PartiallyFailed') throw new Error(`restore ended ${status.phase}: ${JSON.stringify(status)}`);
          const objects = status.progress?.itemsRestored ?? 0;
          const { total, byVerbStatus } = requests.summary();
          const extra: Record<string, number> = {
            items: objects,
            partiallyFailed: status.phase === 'PartiallyFailed' ? 1 : 0,
            requests: total,
            requestsPerObject: Math.round((total / Math.max(objects, 1)) * 1000) / 1000,
            creates: Object.entries(byVerbStatus).filter(([k]) => k.startsWith('POST ')).reduce((n, [, v]) => n + v, 0),
            retries: stats.retries - before.retries,
            throttled: stats.throttled - before.throttled,
          };
          for (const [k, v] of Object.entries(byVerbStatus)) extra[`server ${k}`] = v;
          for (const [k, v] of Object.entries(requests.counts)) extra[`api ${k}`] = v;
          if (args.trace) process.stderr.write(`  ${name}: ${objects} items in ${Math.round(performance.now() - traceT0)} ms; requests of the server:\n${requests.timeline().map((l) => `    ${l}\n`).join('')}`);
          counted = extra;
          return { objects, extra };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      // The server logs the counts just after the final status update the poller saw: wait (untimed) for the line.
      for (let i = 0; i < 40 && outcomes.created === undefined; i++) await new Promise((r) => setTimeout(r, 50));
      if (counted) {
        Object.assign(counted, outcomes);
        if (outcomes.created !== undefined) counted.skipped = counted.items! - outcomes.created - (outcomes.updated ?? 0) - (outcomes.failed ?? 0);
      }
      requests.close();
      if (args.trace) diagnostics.unsubscribe('http.client.response.finish', s3);
      await client.close();
      await server.stop();
    },
  };
}

/**
 * The bare creator over the objects the orchestrator prepared from K1's data set: namespaces first, then
 * everything else, Deployments last (after the ReplicaSets they would otherwise make themselves).
 */
export async function floorCreateObjects(args: RestoreArgs): Promise<Prepared> {
  const state = await loadState(args.stateFile);
  const { namespaces, objects, deployments } = JSON.parse(await readFile(args.objectsFile!, 'utf8')) as Record<'namespaces' | 'objects' | 'deployments', Creation[]>;
  const p = await pool(state, args.concurrency);
  const requests = args.trace ? new ApiRequestLog(state.apiServerUrl, undefined) : undefined;
  return {
    run: async () => {
      requests?.reset();
      const started = performance.now();
      const r = await bareCreatorOf(p, state, [namespaces, objects, deployments], args.concurrency);
      if (requests) process.stderr.write(`  floor: ${r.objects} objects in ${Math.round(performance.now() - started)} ms:\n${requests.timeline().map((l) => `    ${l}\n`).join('')}`);
      return { objects: r.objects, extra: { requests: r.objects, requestsPerObject: 1 } };
    },
    close: async () => {
      requests?.close();
      await p.close();
    },
  };
}
