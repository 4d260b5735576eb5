/** velero.io/change-image-name: rules, kind-specific paths, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionApplies } from '../../backup/index.ts';
import { changeImageNameAction, parseImageRules, rewriteImage } from './change-image-name.ts';
import { dig } from './support.ts';
import { frozen, makeContext, pluginConfigMap } from './testing.ts';

const PLUGIN = 'velero.io/change-image-name';
const podSpec = { containers: [{ name: 'app', image: '1.1.1.1:5000/abc:test' }], initContainers: [{ name: 'init', image: 'busybox:1.36' }] };
const config = (data: Record<string, string>) => ({ configmaps: [pluginConfigMap(PLUGIN, data)] });

const images = (spec: unknown): string[] => {
  const s = spec as { containers?: Array<{ image: string }>; initContainers?: Array<{ image: string }> };
  return [...(s.containers ?? []), ...(s.initContainers ?? [])].map((c) => c.image);
};

test('rules: the Velero documentation examples', () => {
  const rules = (row: string) => parseImageRules({ name: 'cm', data: { case: row } });
  const image = '1.1.1.1:5000/abc:test';
  assert.equal(rewriteImage(image, rules('1.1.1.1:5000,2.2.2.2:3000')), '2.2.2.2:3000/abc:test');
  assert.equal(rewriteImage(image, rules('5000,3000')), '1.1.1.1:3000/abc:test');
  assert.equal(rewriteImage(image, rules('abc:test,edf:test')), '1.1.1.1:5000/edf:test');
  assert.equal(rewriteImage(image, rules('1.1.1.1:5000/abc:test,2.2.2.2:3000/edf:test')), '2.2.2.2:3000/edf:test');
  assert.equal(rewriteImage('dev/image1:dev', rules('dev/,test/')), 'test/image1:dev');
  assert.equal(rewriteImage('dev/image1:dev', rules(' dev , test ')), 'test/image1:test', 'all occurrences, parts trimmed');
  assert.equal(rewriteImage('nginx', rules('dev/,test/')), 'nginx', 'no match: unchanged');
});

test('rules: the first matching rule in key order wins, only one applies', () => {
  const rules = parseImageRules({ name: 'cm', data: { b: 'registry.old,registry.b', a: 'registry.old/team,registry.a/team', c: 'team,other' } });
  assert.equal(rewriteImage('registry.old/team/app:1', rules), 'registry.a/team/app:1');
  assert.equal(rewriteImage('registry.old/x/app:1', rules), 'registry.b/x/app:1');
});

test('rules: malformed entries fail, naming the ConfigMap and key', () => {
  for (const bad of ['no-delimiter', ',new', 'old,', 'a,b,c', ' , ']) {
    assert.throws(() => parseImageRules({ name: 'images', data: { rule1: bad } }), (e: Error) => e.message.includes('ConfigMap "images"') && e.message.includes('"rule1"'), bad);
  }
});

test('applies to containers and initContainers at each kind\'s pod-spec path', async () => {
  const template = ['spec', 'template', 'spec'];
  const cases: Array<[string, string, string[]]> = [
    ['pods', 'Pod', ['spec']],
    ['deployments.apps', 'Deployment', template],
    ['statefulsets.apps', 'StatefulSet', template],
    ['daemonsets.apps', 'DaemonSet', template],
    ['replicasets.apps', 'ReplicaSet', template],
    ['replicationcontrollers', 'ReplicationController', template],
    ['jobs.batch', 'Job', template],
    ['cronjobs.batch', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  ];
  /** `{a: {b: value}}` for path [a, b]. */
  const nest = (path: string[], value: unknown): Record<string, unknown> => path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value as Record<string, unknown>);
  for (const [resource, kind, path] of cases) {
    const item = frozen({ kind, metadata: { name: 'w', namespace: 'n' }, ...nest(path, podSpec) });
    assert.ok(actionApplies(changeImageNameAction, resource, item), resource);
    const r = await changeImageNameAction.execute(item, makeContext(item, { objects: config({ registry: '1.1.1.1:5000,2.2.2.2:3000', busy: 'busybox,mirror/busybox' }) }));
    assert.deepEqual(images(dig(r.item, path)), ['2.2.2.2:3000/abc:test', 'mirror/busybox:1.36'], kind);
  }
});

test('no ConfigMap, an empty one, or no matching rule: the item is returned as is', async () => {
  const item = frozen({ kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: podSpec });
  for (const objects of [{}, config({}), config({ x: 'quay.io,mirror.io' })]) {
    assert.equal((await changeImageNameAction.execute(item, makeContext(item, { objects }))).item, item);
  }
});

test('two ConfigMaps for the plugin, or a malformed rule, fail the item', async () => {
  const item = frozen({ kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: podSpec });
  const two = { configmaps: [pluginConfigMap(PLUGIN, { a: 'x,y' }, 'one'), pluginConfigMap(PLUGIN, { a: 'x,y' }, 'two')] };
  await assert.rejects(changeImageNameAction.execute(item, makeContext(item, { objects: two })), /found 2 ConfigMaps.*\(one, two\)/);
  await assert.rejects(changeImageNameAction.execute(item, makeContext(item, { objects: config({ a: 'nocomma' }) })), /entry "a"/);
});

test('the plugin ConfigMap is looked up by labels in the server namespace only', async () => {
  const item = frozen({ kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: podSpec });
  const elsewhere = { ...pluginConfigMap(PLUGIN, { a: 'busybox,other' }), metadata: { ...pluginConfigMap(PLUGIN, {}).metadata, namespace: 'default' } };
  const unlabelled = { ...pluginConfigMap(PLUGIN, { a: 'busybox,other' }), metadata: { name: 'x', namespace: 'velero', labels: { [PLUGIN]: 'RestoreItemAction' } } };
  const ctx = makeContext(item, { objects: { configmaps: [elsewhere, unlabelled] } });
  assert.equal((await changeImageNameAction.execute(item, ctx)).item, item);
  assert.deepEqual(ctx.cluster.calls, ['list configmaps velero']);
});
