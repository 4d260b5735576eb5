/**
 * @module bench/scenario: runs one scenario in a fresh process and prints one JSON result line.
 * Each scenario prepares its client untimed (kubeconfig, CA, connection pool), then only the
 * operation itself is timed, for the floor and for Skiff alike.
 */
import { KubeClient, Resources, type KubeObject } from '../src/kube/index.ts';
import { mapLimit } from '../src/util/index.ts';
import { barePager, bareCreator, pool } from './floors.ts';
import { configMapBody, loadState, runScenarioMain, type Scenario, type ScenarioArgs } from './scenario-context.ts';
import { floorPagerAll, skiffBackup, type BackupArgs } from './scenarios/backup.ts';
import { floorCreateObjects, skiffRestore, type RestoreArgs } from './scenarios/restore.ts';

const SCENARIOS: Record<string, Scenario<ScenarioArgs>> = {
  'floor-list': async (args) => {
    const state = await loadState(args.stateFile);
    const p = await pool(state, 1);
    return {
      run: async () => {
        const r = await barePager(p, state, args);
        return { objects: r.objects, extra: { pages: r.pages } };
      },
      close: () => p.close(),
    };
  },
  'floor-create': async (args) => {
    const state = await loadState(args.stateFile);
    const p = await pool(state, args.concurrency);
    return { run: () => bareCreator(p, state, args), close: () => p.close() };
  },
  'kube-list': async (args) => {
    const client = await kubeClient(args);
    return {
      run: async () => {
        let objects = 0;
        let pages = 0;
        for await (const page of client.listPages(Resources.configMaps, { namespace: args.namespace, limit: args.pageSize })) {
          objects += page.items.length;
          pages++;
        }
        return { objects, extra: { pages } };
      },
      close: () => client.close(),
    };
  },
  'floor-pager-all': (args) => floorPagerAll(args as BackupArgs),
  'skiff-backup': (args) => skiffBackup(args as BackupArgs),
  'floor-create-objects': (args) => floorCreateObjects(args as RestoreArgs),
  'skiff-restore': (args) => skiffRestore(args as RestoreArgs),
  'kube-create': async (args) => {
    const client = await kubeClient(args);
    return {
      run: async () => {
        const names = Array.from({ length: args.n }, (_, i) => `cm-${i}`);
        await mapLimit(names, args.concurrency, (name) => client.create(Resources.configMaps, JSON.parse(configMapBody(args.namespace, name)) as KubeObject));
        return { objects: names.length, extra: { retries: client.transport.stats.retries } };
      },
      close: () => client.close(),
    };
  },
};

async function kubeClient(args: ScenarioArgs): Promise<KubeClient> {
  const state = await loadState(args.stateFile);
  return KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} }, maxInFlight: args.concurrency });
}

await runScenarioMain('scenario.ts', SCENARIOS);
