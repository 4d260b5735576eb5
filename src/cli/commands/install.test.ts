/** @module cli/commands/install.test — `skiff install --crds-only`: printed manifests, flag errors, apply progress and waits. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crdManifests, renderCrdsYaml } from '../../api/index.ts';
import { KubeClient, Transport } from '../../kube/index.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus } from '../../kube/testing/index.ts';
import { captureStream, run } from '../testing.ts';
import { applyCrds } from './install.ts';

test('--crds-only --dry-run -o yaml prints the CRDs as YAML documents', async () => {
  const r = await run(['install', '--crds-only', '--dry-run', '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, renderCrdsYaml());
  assert.equal(r.stdout.match(/^---$/gm)?.length, 13);
});

test('--crds-only --dry-run -o json prints a v1 List', async () => {
  const r = await run(['install', '--crds-only=true', '--dry-run', '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('{\n  "kind": "List",\n  "apiVersion": "v1",\n  "items": [\n'));
  const list = JSON.parse(r.stdout) as { items: unknown[] };
  assert.deepEqual(list.items, JSON.parse(JSON.stringify(crdManifests())));
});

test('--dry-run without -o prints nothing and touches no cluster', async () => {
  const r = await run(['install', '--crds-only', '--dry-run']);
  assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
});

test('install accepts only json and yaml output', async () => {
  const r = await run(['install', '--crds-only', '--dry-run', '-o', 'table']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `Error: invalid argument "table" for "-o, --output" flag: valid formats are 'json', 'yaml'\nRun 'skiff install --help' for usage.\n`,
  );
});

test('without --dry-run it needs a cluster, and says so when there is none', async () => {
  const r = await run(['install', '--crds-only']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^An error occurred: .*no Kubernetes configuration found/);
});

let server: FakeApiServer;
let client: KubeClient;
before(async () => {
  server = await FakeApiServer.start();
  client = new KubeClient(new Transport({ connection: fakeConnection(server.url), retry: { maxAttempts: 1 } }));
});
after(async () => {
  await client.close();
  await server.close();
});

const CRD_PATH = /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/([a-z.]+)$/;

/** A fake API server's CRD store: `conditions(name)` decides what status a CRD reports. */
function serveCrds(existing: Set<string>, conditions: (name: string) => Array<{ type: string; status: string; message?: string }>): void {
  server.on('GET', CRD_PATH, (req, res) => {
    const name = CRD_PATH.exec(req.path)?.[1] ?? '';
    if (!existing.has(name)) return sendStatus(res, 404, 'NotFound', `${name} not found`);
    sendJson(res, 200, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name }, status: { conditions: conditions(name) } });
  });
  server.on('PATCH', CRD_PATH, (req, res) => {
    const name = CRD_PATH.exec(req.path)?.[1] ?? '';
    existing.add(name);
    sendJson(res, 200, JSON.parse(req.body) as object);
  });
}

test('applyCrds applies each CRD by forced server-side apply, prints Velero-like progress, and waits for Established', async () => {
  const crds = crdManifests().slice(0, 2);
  const [first, second] = crds.map((c) => c.metadata.name);
  let polls = 0;
  serveCrds(new Set([second ?? '']), () => (++polls > 2 ? [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }] : []));
  const out = captureStream();
  await applyCrds(client, crds, { out, pollMs: 5 });
  assert.equal(
    out.text,
    `CustomResourceDefinition/${first}: attempting to create resource\n` +
      `CustomResourceDefinition/${first}: created\n` +
      `CustomResourceDefinition/${second}: attempting to create resource\n` +
      `CustomResourceDefinition/${second}: already exists, proceeding\n` +
      'Waiting for resources to be ready in cluster...\n',
  );
  const patch = server.requests.find((r) => r.method === 'PATCH' && r.path.endsWith(`/${first}`));
  assert.equal(patch?.headers['content-type'], 'application/apply-patch+yaml');
  assert.equal(patch?.query.get('fieldManager'), 'skiff');
  assert.equal(patch?.query.get('force'), 'true');
  assert.deepEqual(JSON.parse(patch?.body ?? '{}'), JSON.parse(JSON.stringify(crds[0])));
});

test('applyCrds names the CRD that never becomes Established, or whose names were refused', async () => {
  const crds = crdManifests().slice(0, 1);
  const name = crds[0]?.metadata.name ?? '';
  serveCrds(new Set(), () => [{ type: 'Established', status: 'False' }]);
  await assert.rejects(applyCrds(client, crds, { out: captureStream(), timeoutMs: 30, pollMs: 5 }), {
    message: `timed out after 30ms waiting for CustomResourceDefinition ${name} to be established`,
  });
  serveCrds(new Set(), () => [{ type: 'NamesAccepted', status: 'False', message: '"bsl" is already in use' }]);
  await assert.rejects(applyCrds(client, crds, { out: captureStream(), pollMs: 5 }), {
    message: `CustomResourceDefinition ${name} was not accepted: "bsl" is already in use`,
  });
});

test('an apply the API server refuses fails naming the CRD', async () => {
  const crds = crdManifests().slice(0, 1);
  server.on('PATCH', CRD_PATH, (_req, res) => sendStatus(res, 422, 'Invalid', 'spec.versions: Invalid value'));
  await assert.rejects(applyCrds(client, crds, { out: captureStream() }), (err: unknown) => {
    assert.ok((err as Error).message.startsWith(`CustomResourceDefinition/${crds[0]?.metadata.name}: spec.versions: Invalid value`));
    return true;
  });
});
