/**
 * @module bench/datasets: the K1 data set of performance-targets.md — per 13,000 objects: 10,000 ConfigMaps
 * (~1 KB), 1,000 Deployments, 1,000 Services and 1,000 Secrets over 50 namespaces — scaled by a factor,
 * plus (for K3) one CRD with custom resources.
 */
import { Resources, type KubeClient, type KubeObject } from '../src/kube/index.ts';
import { mapLimit } from '../src/util/index.ts';
import { configMapBody } from './scenario-context.ts';

export interface DatasetOptions {
  /** 1 = K1's 13,000 objects. */
  scale: number;
  /** Custom resources of one CRD (K3 adds 20,000). */
  customResources?: number;
  /** Namespaces are `<prefix>00` … `<prefix>49`. */
  prefix?: string;
  log: (line: string) => void;
}

export const DATASET_LABEL = 'skiff-bench=k1';
const CRD_GROUP = 'bench.skiff.io';

export async function seedK1(client: KubeClient, opts: DatasetOptions): Promise<number> {
  const prefix = opts.prefix ?? 'bench-k1-';
  const namespaces = Array.from({ length: 50 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
  const per = (n: number): number => Math.round((n * opts.scale) / namespaces.length);
  const objects: Array<[typeof Resources.configMaps, KubeObject]> = [];
  for (const ns of namespaces) {
    for (let i = 0; i < per(10_000); i++) objects.push([Resources.configMaps, JSON.parse(configMapBody(ns, `cm-${i}`)) as KubeObject]);
    for (let i = 0; i < per(1_000); i++) {
      objects.push([Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace: ns }, stringData: { password: `p-${i}-${'x'.repeat(200)}` } }]);
      // No selector: the endpoints controllers then add nothing, so the data set stays as specified.
      objects.push([Resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: ns }, spec: { ports: [{ port: 80 }] } }]);
      objects.push([Resources.deployments, deployment(ns, `app-${i}`)]);
    }
  }
  const start = Date.now();
  for (const ns of namespaces) await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'skiff-bench': 'k1' } } });
  await mapLimit(objects, 64, ([ref, obj]) => client.create(ref, obj));
  opts.log(`  seeded ${objects.length} objects in ${namespaces.length} namespaces in ${((Date.now() - start) / 1000).toFixed(0)} s`);
  return objects.length + (opts.customResources ? await seedCustomResources(client, opts.customResources, prefix, opts.log) : 0);
}

/** Replicas 0: a ReplicaSet per Deployment, and no pods (K1 measures API objects, not kwok). */
function deployment(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  };
}

async function seedCustomResources(client: KubeClient, count: number, prefix: string, log: (line: string) => void): Promise<number> {
  await client.create(Resources.customResourceDefinitions, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${CRD_GROUP}` },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  const ref = { group: CRD_GROUP, version: 'v1', resource: 'widgets', namespaced: true };
  for (let i = 0; ; i++) {
    try {
      await client.list(ref, { namespace: 'default', limit: 1 });
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const start = Date.now();
  await mapLimit(Array.from({ length: count }, (_, i) => i), 64, (i) =>
    client.create(ref, { apiVersion: `${CRD_GROUP}/v1`, kind: 'Widget', metadata: { name: `w-${i}`, namespace: `${prefix}${String(i % 50).padStart(2, '0')}` }, spec: { size: i, color: 'blue', tags: ['a', 'b'] } }),
  );
  log(`  seeded ${count} custom resources in ${((Date.now() - start) / 1000).toFixed(0)} s`);
  return count;
}
