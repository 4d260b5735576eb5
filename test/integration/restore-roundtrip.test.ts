/**
 * A randomized round trip: namespaces filled with a seeded mix of what users deploy (ConfigMaps, Secrets,
 * Services, Deployments, StatefulSets, Jobs, RBAC, claims bound to static volumes, custom resources of a
 * CRD), backed up, destroyed (namespaces, volumes and the CRD), restored, and compared object by object in
 * every field the user controls. SKIFF_ROUNDTRIP_SEED replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeClient, type KubeObject, type ResourceRef } from '../../src/kube/index.ts';
import { mapLimit } from '../../src/util/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer } from '../support/skiff-server.ts';
import { backUp, compareSnapshots, createRestore, deleteNamespace, snapshot } from '../support/restore.ts';

/** mulberry32: small, seedable, good enough to pick shapes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.#r() * (max - min + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  text(max = 40): string {
    const alphabet = ['a', 'b', 'z', '0', '9', ' ', '-', '_', '.', '/', 'é', 'ß', '漢', '🚀', '"', '\\', '\n', '{', '}'];
    return Array.from({ length: this.int(0, max) }, () => this.pick(alphabet)).join('');
  }
  key(): string {
    return `${this.pick(['app', 'tier', 'owner', 'example.com/team', 'x'])}${this.int(0, 99)}`;
  }
  labels(): Record<string, string> {
    return Object.fromEntries(Array.from({ length: this.int(0, 3) }, () => [this.key(), `v${this.int(0, 9)}`]));
  }
  annotations(): Record<string, string> {
    return Object.fromEntries(Array.from({ length: this.int(0, 2) }, () => [`note.example.com/${this.pick(['a', 'b', 'c'])}${this.int(0, 99)}`, this.text(60)]));
  }
}

type Made = { ref: ResourceRef; obj: KubeObject };

const GROUP = 'roundtrip.skiff.test';
const THINGS: ResourceRef = { group: GROUP, version: 'v1', resource: 'things', namespaced: true };
const WORKLOAD_REFS: ResourceRef[] = [
  Resources.configMaps,
  Resources.secrets,
  Resources.services,
  Resources.deployments,
  Resources.statefulSets,
  Resources.jobs,
  Resources.serviceAccounts,
  Resources.roles,
  Resources.roleBindings,
  Resources.persistentVolumeClaims,
  THINGS,
];

function container(g: Gen): Record<string, unknown> {
  return {
    name: 'main',
    image: g.pick(['nginx:1.27', 'busybox:1.36', 'registry.example.com/app:v2']),
    env: Array.from({ length: g.int(0, 3) }, (_, i) => ({ name: `E${i}`, value: g.text(20) })),
    ports: g.int(0, 1) ? [{ containerPort: g.int(1000, 9000), protocol: 'TCP' }] : undefined,
  };
}

function podTemplate(g: Gen, labels: Record<string, string>): Record<string, unknown> {
  return { metadata: { labels, annotations: g.annotations() }, spec: { containers: [container(g)] } };
}

/** One namespace's worth of objects, shaped by the generator. */
function namespaceObjects(g: Gen, ns: string, prefix: string): Made[] {
  const out: Made[] = [];
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace: ns, labels: g.labels(), annotations: g.annotations() });
  for (let i = 0; i < g.int(5, 25); i++) {
    const data = Object.fromEntries(Array.from({ length: g.int(0, 5) }, (_, k) => [`k${k}.${g.pick(['txt', 'json', 'conf'])}`, g.text(200)]));
    const binary = g.int(0, 3) === 0 ? { 'blob.bin': Buffer.from(Array.from({ length: g.int(1, 64) }, () => g.int(0, 255))).toString('base64') } : undefined;
    out.push({ ref: Resources.configMaps, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`cm-${i}`), data, ...(binary ? { binaryData: binary } : {}) } as KubeObject });
  }
  for (let i = 0; i < g.int(1, 8); i++) {
    const type = g.pick(['Opaque', 'kubernetes.io/basic-auth']);
    const data = type === 'Opaque' ? { token: Buffer.from(g.text(30)).toString('base64') } : { username: Buffer.from('admin').toString('base64'), password: Buffer.from(g.text(16)).toString('base64') };
    out.push({ ref: Resources.secrets, obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta(`secret-${i}`), type, data } as KubeObject });
  }
  for (let i = 0; i < g.int(1, 4); i++) {
    const app = `app-${i}`;
    const type = g.pick(['ClusterIP', 'NodePort', 'Headless']);
    const spec: Record<string, unknown> = { selector: { app }, ports: [{ name: 'http', port: 80 + i, targetPort: 8080, protocol: 'TCP' }] };
    if (type === 'NodePort') spec.type = 'NodePort';
    if (type === 'Headless') spec.clusterIP = 'None';
    out.push({ ref: Resources.services, obj: { apiVersion: 'v1', kind: 'Service', metadata: meta(`svc-${i}`), spec } as KubeObject });
    out.push({
      ref: Resources.deployments,
      obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(`deploy-${i}`), spec: { replicas: g.int(0, 2), selector: { matchLabels: { app } }, template: podTemplate(g, { app }) } } as KubeObject,
    });
  }
  for (let i = 0; i < g.int(0, 2); i++) {
    const app = `db-${i}`;
    out.push({
      ref: Resources.statefulSets,
      obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(`db-${i}`), spec: { replicas: 0, serviceName: `db-${i}`, selector: { matchLabels: { app } }, template: podTemplate(g, { app }) } } as KubeObject,
    });
  }
  for (let i = 0; i < g.int(0, 2); i++) {
    const template = podTemplate(g, { job: `job-${i}` });
    (template.spec as Record<string, unknown>).restartPolicy = 'Never';
    out.push({ ref: Resources.jobs, obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta(`job-${i}`), spec: { suspend: true, template } } as KubeObject });
  }
  out.push({ ref: Resources.serviceAccounts, obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('worker'), imagePullSecrets: [{ name: 'secret-0' }] } as KubeObject });
  out.push({ ref: Resources.roles, obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('reader'), rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }] } as KubeObject });
  out.push({
    ref: Resources.roleBindings,
    obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('worker-reads'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'worker', namespace: ns }] } as KubeObject,
  });
  for (let i = 0; i < g.int(1, 2); i++) {
    const pv = `${prefix}-${ns}-pv-${i}`;
    out.push({
      ref: Resources.persistentVolumes,
      obj: {
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pv, labels: g.labels() },
        spec: { capacity: { storage: `${g.int(1, 5)}Gi` }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', hostPath: { path: `/data/${pv}` }, claimRef: { namespace: ns, name: `data-${i}` } },
      } as KubeObject,
    });
    out.push({ ref: Resources.persistentVolumeClaims, obj: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(`data-${i}`), spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', volumeName: pv, resources: { requests: { storage: '1Gi' } } } } as KubeObject });
  }
  for (let i = 0; i < g.int(1, 6); i++) {
    out.push({ ref: THINGS, obj: { apiVersion: `${GROUP}/v1`, kind: 'Thing', metadata: meta(`thing-${i}`), spec: { size: g.int(0, 1000), note: g.text(50), tags: Array.from({ length: g.int(0, 3) }, () => g.text(8)) } } as KubeObject });
  }
  return out;
}

const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `things.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
} as KubeObject;

async function ensureCrd(client: KubeClient): Promise<void> {
  if (!(await client.getIfExists(Resources.customResourceDefinitions, CRD.metadata.name!))) await client.create(Resources.customResourceDefinitions, CRD);
  await waitFor(async () => {
    try {
      await client.list(THINGS, { limit: 1 });
      return true;
    } catch {
      return false;
    }
  }, { what: 'the Thing CRD to be served' });
}

async function removeAll(client: KubeClient, namespaces: string[], pvs: string[]): Promise<void> {
  await Promise.all(namespaces.map((ns) => deleteNamespace(client, ns)));
  await Promise.all(pvs.map((pv) => client.delete(Resources.persistentVolumes, pv).catch(() => undefined)));
  await client.delete(Resources.customResourceDefinitions, CRD.metadata.name!).catch(() => undefined);
  for (const pv of pvs) await waitFor(async () => !(await client.getIfExists(Resources.persistentVolumes, pv)), { what: `PV ${pv} to be gone`, timeoutMs: 120_000 });
  await waitFor(async () => !(await client.getIfExists(Resources.customResourceDefinitions, CRD.metadata.name!)), { what: 'the CRD to be gone', timeoutMs: 120_000 });
}

test('randomized round trip: every object of a seeded mix comes back identical in what the user controls', async (t) => {
  const seed = Number(process.env.SKIFF_ROUNDTRIP_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay with SKIFF_ROUNDTRIP_SEED=${seed})`);
  const g = new Gen(seed);
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const prefix = `rt${seed.toString(36)}`;
  const namespaces = [0, 1, 2].map((i) => `${prefix}-ns${i}`);
  const made = namespaces.flatMap((ns) => namespaceObjects(g, ns, prefix));
  const pvs = made.filter((m) => m.ref === Resources.persistentVolumes).map((m) => m.obj.metadata.name!);
  t.after(() => removeAll(client, namespaces, pvs).catch(() => undefined));
  await ensureCrd(client);
  for (const ns of namespaces) await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: g.labels() } });
  await mapLimit(made, 16, ({ ref, obj }) => client.create(ref, obj));
  for (const ns of namespaces) {
    await waitFor(async () => (await client.list(Resources.persistentVolumeClaims, { namespace: ns })).items.every((c) => (c.status as { phase?: string })?.phase === 'Bound'), { what: `claims in ${ns} to bind` });
  }
  const take = async (): Promise<Map<string, KubeObject>> => {
    const all = new Map<string, KubeObject>();
    for (const ns of namespaces) for (const [k, v] of await snapshot(client, WORKLOAD_REFS, ns, (gr, o) => !(gr === 'serviceaccounts' && o.metadata.name === 'default'))) all.set(k, v);
    for (const [k, v] of await snapshot(client, [Resources.persistentVolumes, Resources.namespaces], undefined, (_gr, o) => pvs.includes(o.metadata.name!) || namespaces.includes(o.metadata.name!))) all.set(k, v);
    return all;
  };
  const before = await take();
  t.diagnostic(`${before.size} objects in ${namespaces.length} namespaces`);
  await backUp(s, 'roundtrip', { includedNamespaces: namespaces });
  await removeAll(client, namespaces, pvs);

  const restore = await createRestore(client, s.namespace, 'roundtrip-restore', { backupName: 'roundtrip' }, 300_000);
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors ?? 0, 0);
  for (const ns of namespaces) {
    await waitFor(async () => (await client.list(Resources.persistentVolumeClaims, { namespace: ns })).items.every((c) => (c.status as { phase?: string })?.phase === 'Bound'), { what: `restored claims in ${ns} to bind` });
  }
  const after = await take();
  assert.deepEqual(compareSnapshots(before, after), [], `seed ${seed}`);
  assert.equal(after.size, before.size);
});
