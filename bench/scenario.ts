/** @module bench/scenario: runs one scenario in a fresh process and prints one JSON result line. */
import { KubeClient, Resources, type KubeObject } from '../src/kube/index.ts';
import { mapLimit } from '../src/util/index.ts';
import { barePager, bareCreator } from './floors.ts';
import { configMapBody, loadState, maxRssMB, type ScenarioArgs, type ScenarioResult } from './scenario-context.ts';

const SCENARIOS: Record<string, (args: ScenarioArgs) => Promise<{ objects: number; extra?: Record<string, number> }>> = {
  'floor-list': async (args) => {
    const r = await barePager(await loadState(args.stateFile), args);
    return { objects: r.objects, extra: { pages: r.pages } };
  },
  'floor-create': async (args) => bareCreator(await loadState(args.stateFile), args),
  'kube-list': async (args) => {
    const client = await kubeClient(args);
    let objects = 0;
    let pages = 0;
    for await (const page of client.listPages(Resources.configMaps, { namespace: args.namespace, limit: args.pageSize })) {
      objects += page.items.length;
      pages++;
    }
    await client.close();
    return { objects, extra: { pages } };
  },
  'kube-create': async (args) => {
    const client = await kubeClient(args);
    const names = Array.from({ length: args.n }, (_, i) => `cm-${i}`);
    await mapLimit(names, args.concurrency, (name) => client.create(Resources.configMaps, JSON.parse(configMapBody(args.namespace, name)) as KubeObject));
    const retries = client.transport.stats.retries;
    await client.close();
    return { objects: names.length, extra: { retries } };
  },
};

async function kubeClient(args: ScenarioArgs): Promise<KubeClient> {
  const state = await loadState(args.stateFile);
  return KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig: state.kubeconfig, env: {} }, maxInFlight: args.concurrency });
}

const [name, json] = process.argv.slice(2);
const run = SCENARIOS[name ?? ''];
if (!run || !json) {
  process.stderr.write(`usage: scenario.ts <${Object.keys(SCENARIOS).join('|')}> <json-args>\n`);
  process.exit(2);
}
const args = JSON.parse(json) as ScenarioArgs;
const started = performance.now();
const out = await run(args);
const result: ScenarioResult = { objects: out.objects, seconds: (performance.now() - started) / 1000, maxRssMB: maxRssMB(), ...(out.extra ? { extra: out.extra } : {}) };
process.stdout.write(`${JSON.stringify(result)}\n`);
