/** Our velero.io CRDs on a real API server: kubectl applies them, nothing real Velero writes is pruned, install is idempotent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdManifests, resourceRefOf, VeleroResources, type VeleroKind } from '../../src/api/index.ts';
import { fixtureObjects } from '../../src/api/fixture.ts';
import { fullObjects } from '../../src/api/testing.ts';
import { applyCrds } from '../../src/cli/commands/install.ts';
import { run, testContext, captureStream } from '../../src/cli/testing.ts';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { testCluster, waitFor } from '../support/cluster.ts';
import { kubectl } from '../support/kubectl.ts';

const CRD_NAMES = crdManifests().map((c) => c.metadata.name);

interface Crd extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

async function allEstablished(): Promise<boolean> {
  const { client } = await testCluster();
  for (const name of CRD_NAMES) {
    const crd = await client.getIfExists<Crd>(Resources.customResourceDefinitions, name);
    if (crd?.status?.conditions?.find((c) => c.type === 'Established')?.status !== 'True') return false;
  }
  return true;
}

/** CRDs are cluster-wide and shared by every test file: applied idempotently here, never deleted. */
let installed: Promise<void> | undefined;
function ensureCrds(): Promise<void> {
  installed ??= testCluster().then(({ client }) => applyCrds(client, crdManifests(), { out: captureStream() }));
  return installed;
}

test('the YAML of `skiff install --crds-only --dry-run -o yaml` applies with kubectl, and every CRD becomes Established', async () => {
  const r = await run(['install', '--crds-only', '--dry-run', '-o', 'yaml'], testContext());
  assert.equal(r.code, 0, r.stderr);

  const dry = await kubectl(['apply', '--dry-run=server', '-f', '-'], r.stdout);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout.trim().split('\n').length, 13, dry.stdout);
  assert.match(dry.stdout, /backups\.velero\.io (created|configured|unchanged) \(server dry run\)/);

  const real = await kubectl(['apply', '-f', '-'], r.stdout);
  assert.equal(real.code, 0, real.stderr);
  for (const name of CRD_NAMES) assert.match(real.stdout, new RegExp(`customresourcedefinition\\.apiextensions\\.k8s\\.io/${name.replace(/\./g, '\\.')} `));
  await waitFor(allEstablished, { what: 'all 13 velero.io CRDs to be Established', timeoutMs: 60_000 });
  // The API server saw structural schemas (a non-structural one gets a NonStructuralSchema condition).
  const { client } = await testCluster();
  for (const name of CRD_NAMES) {
    const crd = await client.get<Crd>(Resources.customResourceDefinitions, name);
    assert.equal(crd.status?.conditions?.find((c) => c.type === 'NonStructuralSchema'), undefined, name);
  }
});

/** The object as Velero wrote it, moved into `ns`, without the fields the API server assigns. */
function asNew(obj: Record<string, unknown>, ns: string): KubeObject {
  const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, managedFields: _mf, generation: _g, ...kept } = meta;
  return { ...obj, metadata: { ...kept, namespace: ns } };
}

test('nothing real Velero wrote is pruned: each fixture Backup reads back with identical spec and status', async (t) => {
  await ensureCrds();
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'api-fixture');
  const fixtures = fixtureObjects();
  assert.ok(fixtures.length >= 2);
  for (const { file, kind, object } of fixtures) {
    const ref = resourceRefOf(kind as VeleroKind);
    const created = await client.create(ref, asNew(object, ns));
    const back = await client.get(ref, created.metadata.name ?? '', { namespace: ns });
    assert.deepEqual(back['spec'], object['spec'], `${file}: spec`);
    assert.deepEqual(back['status'], object['status'], `${file}: status`);
    const meta = object['metadata'] as { labels?: object; annotations?: object };
    assert.deepEqual(back.metadata.labels, meta.labels, `${file}: labels`);
    assert.deepEqual(back.metadata.annotations, meta.annotations, `${file}: annotations`);
  }
});

test('a fully populated object of every kind (a hand-written Restore included) reads back unchanged', async (t) => {
  await ensureCrds();
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'api-full');
  for (const [kind, obj] of Object.entries(fullObjects(ns))) {
    const ref = resourceRefOf(kind as VeleroKind);
    await client.create(ref, obj);
    const back = await client.get(ref, obj.metadata.name ?? '', { namespace: ns });
    assert.deepEqual(back['spec'], obj.spec, `${kind}: spec`);
    assert.deepEqual(back['status'], obj.status, `${kind}: status`);
  }
});

test('status is written through the main resource, as Velero writes it (no status subresource)', async (t) => {
  await ensureCrds();
  const { client, namespace } = await testCluster();
  const ns = await namespace(t, 'api-status');
  const { Backup: backup } = fullObjects(ns);
  await client.create(VeleroResources.backups, { ...backup, status: undefined });
  const patched = await client.patch(VeleroResources.backups, backup.metadata.name ?? '', 'merge', { status: { phase: 'Deleting', queuePosition: 2 } }, { namespace: ns });
  assert.deepEqual(patched['status'], { phase: 'Deleting', queuePosition: 2 });
  // An unknown enum value is refused by our schema, as by Velero's.
  await assert.rejects(
    client.patch(VeleroResources.backups, backup.metadata.name ?? '', 'merge', { status: { phase: 'Done' } }, { namespace: ns }),
    /status\.phase/,
  );
});

test('`skiff install --crds-only` applies the CRDs; a second run succeeds and changes nothing', async () => {
  const { client, kubeconfig } = await testCluster();
  const snapshot = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const name of CRD_NAMES) {
      const crd = await client.get(Resources.customResourceDefinitions, name);
      out[name] = `${crd.metadata.generation}/${crd.metadata.resourceVersion}`;
    }
    return out;
  };

  const first = await run(['install', '--crds-only', '--kubeconfig', kubeconfig], testContext());
  assert.equal(first.code, 0, first.stderr);
  for (const name of CRD_NAMES) {
    assert.match(first.stdout, new RegExp(`^CustomResourceDefinition/${name}: attempting to create resource$`, 'm'));
    assert.match(first.stdout, new RegExp(`^CustomResourceDefinition/${name}: (created|already exists, proceeding)$`, 'm'));
  }
  assert.match(first.stdout, /Waiting for resources to be ready in cluster\.\.\.\n.*installed and established\.\n$/);
  const afterFirst = await snapshot();
  const crd = await client.get(Resources.customResourceDefinitions, 'backups.velero.io');
  assert.ok(crd.metadata.managedFields?.some((f) => (f as { manager?: string }).manager === 'skiff'), 'applied with field manager skiff');
  assert.equal(crd.metadata.labels?.['component'], 'velero');

  const second = await run(['install', '--crds-only', '--kubeconfig', kubeconfig], testContext());
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.match(/: already exists, proceeding$/gm)?.length, 13);
  assert.deepEqual(await snapshot(), afterFirst, 'no CRD changed (generation and resourceVersion)');
});
