/** @module local-cluster/cli: `npm run cluster -- up|down|env|status` for a named, long-lived local cluster. */
import { parseArgs } from 'node:util';
import { rm } from 'node:fs/promises';
import { ClusterError } from './errors.ts';
import { clusterStatus, envExports, readState, startCluster, stopCluster } from './cluster.ts';
import { namedClusterDir } from './paths.ts';

const USAGE = `Usage: npm run cluster -- <command> [--name NAME]

Commands:
  up       build (first time only) and start etcd, kube-apiserver, kube-controller-manager,
           kube-scheduler, kwok (2 fake nodes) and MinIO on 127.0.0.1; they keep running
  down     stop every process of the cluster and delete its data
  env      print shell export lines (KUBECONFIG, PATH for kubectl, S3 endpoint and credentials)
  status   show each component's pid and health

Options:
  --name NAME   cluster name (default "default"); several can run side by side
  --nodes N     fake nodes to create on up (default 2)

Use it from a shell:  eval "$(npm run -s cluster -- env)"`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string', default: 'default' }, nodes: { type: 'string', default: '2' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 1;
  }
  const dir = namedClusterDir(process.env, values.name);
  const state = await readState(dir);
  switch (command) {
    case 'up': {
      if (state) {
        const status = await clusterStatus(state);
        if (status.every((s) => s.healthy)) {
          process.stderr.write(`Cluster "${values.name}" is already up.\n`);
          printStatus(status);
          return 0;
        }
        process.stderr.write(`Cluster "${values.name}" is partly down; restarting it from scratch.\n`);
        await stopCluster(state);
      }
      await rm(dir, { recursive: true, force: true });
      const ac = new AbortController();
      const onSignal = (): void => ac.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const nodes = Number(values.nodes);
      if (!Number.isInteger(nodes) || nodes < 0 || nodes > 100) throw new ClusterError('StartFailed', `--nodes must be an integer from 0 to 100, got "${values.nodes}"`);
      const started = await startCluster({ env: process.env, dir, name: values.name, nodes, signal: ac.signal, log: (l) => process.stderr.write(`${l}\n`) }).catch(async (err: unknown) => {
        // Interrupted: nothing of it is worth keeping. A real failure keeps its logs for the error's pointers.
        if (ac.signal.aborted) await rm(dir, { recursive: true, force: true });
        throw err;
      });
      printStatus(await clusterStatus(started));
      process.stderr.write(`\nTo use it from this shell:\n  eval "$(npm run -s cluster -- env${values.name === 'default' ? '' : ` --name ${values.name}`})"\n  kubectl get nodes\n`);
      return 0;
    }
    case 'down':
      if (!state) {
        process.stderr.write(`Cluster "${values.name}" is not running.\n`);
        await rm(dir, { recursive: true, force: true });
        return 0;
      }
      await stopCluster(state);
      process.stderr.write(`Cluster "${values.name}" stopped; no process of it remains.\n`);
      return 0;
    case 'env':
      if (!state) throw new ClusterError('NotRunning', `cluster "${values.name}" is not running; start it with: npm run cluster -- up`);
      process.stdout.write(`${envExports(state).join('\n')}\n`);
      return 0;
    case 'status': {
      if (!state) {
        process.stdout.write(`Cluster "${values.name}" is not running.\n`);
        return 3;
      }
      const status = await clusterStatus(state);
      printStatus(status);
      return status.every((s) => s.healthy) ? 0 : 3;
    }
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 1;
  }
}

function printStatus(status: Awaited<ReturnType<typeof clusterStatus>>): void {
  const rows = [['COMPONENT', 'PID', 'STATE'], ...status.map((s) => [s.name, String(s.pid ?? '-'), s.healthy ? 'healthy' : s.running ? 'unhealthy' : 'stopped'])];
  const width = rows.reduce((w, r) => w.map((x, i) => Math.max(x, r[i]!.length)), [0, 0, 0]);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i < r.length - 1 ? c.padEnd(width[i]! + 3) : c)).join('')}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`cluster: ${message}\n`);
    process.exit(1);
  },
);
