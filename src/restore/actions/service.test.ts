/** velero.io/service: cluster IPs, node ports (last-applied, managedFields), health-check node port. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { serviceAction } from './service.ts';
import { frozen, makeContext } from './testing.ts';

interface Port { name?: string; port: number; protocol?: string; nodePort?: number }
const service = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject =>
  frozen({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n', ...metadata }, spec });
const lastApplied = (spec: object) => ({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Service', spec }) } });
const managed = (manager: string, fSpec: object) => ({ manager, operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': fSpec } });
const portKey = (port: number, protocol = 'TCP') => `k:{"port":${port},"protocol":"${protocol}"}`;

async function run(item: KubeObject, spec: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const ctx = makeContext(item, { restore: { metadata: { name: 'r' }, spec } });
  return (await serviceAction.execute(item, ctx)).item.spec as Record<string, unknown>;
}
const nodePorts = (spec: Record<string, unknown>) => (spec.ports as Port[]).map((p) => p.nodePort);

test('cluster IPs are cleared for allocated addresses, kept for headless services', async () => {
  const allocated = await run(service({ type: 'ClusterIP', clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7', 'fd00::7'] }));
  assert.deepEqual([allocated.clusterIP, allocated.clusterIPs], [undefined, undefined]);
  const headless = await run(service({ clusterIP: 'None', clusterIPs: ['None'] }));
  assert.deepEqual([headless.clusterIP, headless.clusterIPs], ['None', ['None']]);
});

test('ExternalName services are returned untouched', async () => {
  const item = service({ type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 5432, nodePort: 30000 }] });
  assert.equal((await serviceAction.execute(item, makeContext(item))).item, item);
});

test('without any record of the user setting them, all node ports are cleared', async () => {
  const spec = await run(service({ type: 'NodePort', clusterIP: '10.0.0.1', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { port: 443, nodePort: 30443 }] }));
  assert.deepEqual(nodePorts(spec), [undefined, undefined]);
});

test('preserveNodePorts keeps every node port and the health-check port (cluster IP still cleared)', async () => {
  const spec = await run(service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, clusterIP: '10.0.0.1', ports: [{ port: 80, nodePort: 30080 }] }), { preserveNodePorts: true });
  assert.deepEqual(nodePorts(spec), [30080]);
  assert.equal(spec.healthCheckNodePort, 32000);
  assert.equal(spec.clusterIP, undefined);
});

test('last-applied: named ports kept by name, unnamed ports by their node port number', async () => {
  const applied = { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090 }] };
  const named = await run(service({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090, nodePort: 31999 }] }, lastApplied(applied)));
  assert.deepEqual(nodePorts(named), [30080, undefined]);
  const unnamed = await run(service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, lastApplied({ ports: [{ port: 80, nodePort: 30080 }] })));
  assert.deepEqual(nodePorts(unnamed), [30080]);
  const unnamedAuto = await run(service({ type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }, lastApplied({ ports: [{ port: 80 }] })));
  assert.deepEqual(nodePorts(unnamedAuto), [undefined]);
});

test('managedFields: node ports owned by a user\'s manager are kept, matched by port and protocol', async () => {
  const item = service({ type: 'NodePort', ports: [
    { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30054 },
    { name: 'http', port: 80, nodePort: 30080 },
  ] }, { managedFields: [
    managed('kubectl', { 'f:ports': { '.': {}, [portKey(53, 'UDP')]: { '.': {}, 'f:nodePort': {}, 'f:port': {} }, [portKey(53)]: { 'f:port': {} } } }),
    managed('helm', { 'f:ports': { [portKey(80)]: { 'f:nodePort': {} } } }),
  ] });
  assert.deepEqual(nodePorts(await run(item)), [30053, undefined, 30080]);
});

test('managedFields: ownership by the server\'s own managers (or none) is not a user choice', async () => {
  for (const manager of ['before-first-apply', 'kube-apiserver', '']) {
    const item = service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, { managedFields: [managed(manager, { 'f:ports': { [portKey(80)]: { 'f:nodePort': {} } } })] });
    assert.deepEqual(nodePorts(await run(item)), [undefined], manager);
  }
});

test('last-applied and managedFields together: a port set by either is kept', async () => {
  const item = service({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30081 }, { name: 'c', port: 82, nodePort: 30082 }] }, {
    ...lastApplied({ ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81 }, { name: 'c', port: 82 }] }),
    managedFields: [managed('kubectl-patch', { 'f:ports': { [portKey(81)]: { 'f:nodePort': {} } } })],
  });
  assert.deepEqual(nodePorts(await run(item)), [30080, 30081, undefined]);
});

test('a broken last-applied annotation is a warning, and managedFields still count', async () => {
  const item = service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, {
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{not json' },
    managedFields: [managed('kubectl', { 'f:ports': { [portKey(80)]: { 'f:nodePort': {} } } })],
  });
  const ctx = makeContext(item);
  const r = await serviceAction.execute(item, ctx);
  assert.deepEqual(nodePorts(r.item.spec as Record<string, unknown>), [30080]);
  assert.match(ctx.warnings.join(), /not valid JSON/);
});

test('LoadBalancer + Local: health-check node port cleared unless set explicitly', async () => {
  const lb = (metadata: Record<string, unknown> = {}) => service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 30080 }] }, metadata);
  assert.equal((await run(lb())).healthCheckNodePort, undefined);
  assert.equal((await run(lb(lastApplied({ type: 'LoadBalancer', healthCheckNodePort: 32000 })))).healthCheckNodePort, 32000);
  assert.equal((await run(lb({ managedFields: [managed('kubectl', { 'f:healthCheckNodePort': {} })] }))).healthCheckNodePort, 32000);
  assert.equal((await run(lb({ managedFields: [managed('before-first-apply', { 'f:healthCheckNodePort': {} })] }))).healthCheckNodePort, undefined);
});

test('health-check node port is left alone unless LoadBalancer with Local policy', async () => {
  const spec = await run(service({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', healthCheckNodePort: 32000, ports: [] }));
  assert.equal(spec.healthCheckNodePort, 32000);
});
