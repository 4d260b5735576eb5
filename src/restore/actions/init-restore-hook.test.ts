/** velero.io/init-restore-hook: annotation hooks, spec hooks, matching, placement. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { initRestoreHookAction, parseCommand } from './init-restore-hook.ts';
import { frozen, makeContext } from './testing.ts';

const ANN = 'init.hook.restore.velero.io/';
const pod = (opts: { annotations?: Record<string, string>; labels?: Record<string, string>; init?: object[]; namespace?: string } = {}): KubeObject => frozen({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: opts.namespace ?? 'src', labels: opts.labels ?? { app: 'db' }, annotations: opts.annotations ?? {} },
  spec: { containers: [{ name: 'main', image: 'app' }], ...(opts.init ? { initContainers: opts.init } : {}) },
});
const hookContainer = (name: string) => ({ name, image: 'busybox', command: ['sh', '-c', `echo ${name}`] });
const hook = (name: string, selector: Record<string, unknown>, ...containers: string[]) => ({ name, ...selector, postHooks: [{ init: { initContainers: containers.map(hookContainer) } }, { exec: { command: ['true'] } }] });
const restoreWith = (resources: object[]) => ({ metadata: { name: 'r' }, spec: { hooks: { resources } } });
const initNames = (item: KubeObject) => ((item.spec as { initContainers?: Array<{ name: string }> }).initContainers ?? []).map((c) => c.name);

test('annotation hook: image, name and a JSON-array command; placed before the pod\'s own init containers', async () => {
  const item = pod({ annotations: { [`${ANN}container-image`]: 'alpine', [`${ANN}container-name`]: 'prep', [`${ANN}command`]: '["/bin/sh","-c","date"]' }, init: [{ name: 'own', image: 'x' }] });
  const r = await initRestoreHookAction.execute(item, makeContext(item));
  const init = (r.item.spec as { initContainers: object[] }).initContainers;
  assert.deepEqual(init, [{ name: 'prep', image: 'alpine', command: ['/bin/sh', '-c', 'date'] }, { name: 'own', image: 'x' }]);
});

test('annotation hook: default name, single-string command, no command → image entrypoint', async () => {
  const withCommand = pod({ annotations: { [`${ANN}container-image`]: 'alpine', [`${ANN}command`]: '/restore.sh' } });
  const [c] = (((await initRestoreHookAction.execute(withCommand, makeContext(withCommand))).item.spec) as { initContainers: Array<Record<string, unknown>> }).initContainers;
  assert.match(c!.name as string, /^velero-restore-init-[0-9a-f]{8}$/);
  assert.deepEqual(c!.command, ['/restore.sh']);
  const bare = pod({ annotations: { [`${ANN}container-image`]: 'alpine' } });
  const [d] = (((await initRestoreHookAction.execute(bare, makeContext(bare))).item.spec) as { initContainers: Array<Record<string, unknown>> }).initContainers;
  assert.equal('command' in d!, false);
});

test('parseCommand: JSON arrays of strings, anything else is one argument', () => {
  assert.deepEqual(parseCommand('["a", "b c"]'), ['a', 'b c']);
  assert.deepEqual(parseCommand('[not json'), ['[not json']);
  assert.deepEqual(parseCommand('[1, 2]'), ['[1, 2]']);
  assert.deepEqual(parseCommand('echo hi'), ['echo hi']);
});

test('an annotation hook wins over spec hooks; an annotation without an image does not count', async () => {
  const restore = restoreWith([hook('all', {}, 'from-spec')]);
  const annotated = pod({ annotations: { [`${ANN}container-image`]: 'alpine', [`${ANN}container-name`]: 'from-annotation' } });
  assert.deepEqual(initNames((await initRestoreHookAction.execute(annotated, makeContext(annotated, { restore }))).item), ['from-annotation']);
  const noImage = pod({ annotations: { [`${ANN}container-name`]: 'ignored' } });
  assert.deepEqual(initNames((await initRestoreHookAction.execute(noImage, makeContext(noImage, { restore }))).item), ['from-spec']);
});

test('spec hooks: every matching hook contributes, in order; namespace globs use the target namespace', async () => {
  const restore = restoreWith([
    hook('by-target-ns', { includedNamespaces: ['dst*'] }, 'a1', 'a2'),
    hook('by-source-ns', { includedNamespaces: ['src'] }, 'never'),
    hook('excluded', { excludedNamespaces: ['d?t'] }, 'never2'),
    hook('labels', { labelSelector: { matchLabels: { app: 'db' } } }, 'b'),
    hook('labels-miss', { labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] } }, 'never3'),
    hook('resources-ignored', { includedResources: ['deployments'], excludedResources: ['pods'] }, 'c'),
    hook('include-and-exclude', { includedNamespaces: ['*'], excludedNamespaces: ['other'] }, 'd'),
  ]);
  const item = pod({ init: [{ name: 'own', image: 'x' }] });
  const r = await initRestoreHookAction.execute(item, makeContext(item, { restore, namespaceMapping: { src: 'dst' } }));
  assert.deepEqual(initNames(r.item), ['a1', 'a2', 'b', 'c', 'd', 'own']);
});

test('spec hook containers go after a restore-wait container at index 0', async () => {
  const restore = restoreWith([hook('all', {}, 'h')]);
  for (const wait of ['restore-wait', 'restic-wait']) {
    const item = pod({ init: [{ name: wait, image: 'velero' }, { name: 'own', image: 'x' }] });
    assert.deepEqual(initNames((await initRestoreHookAction.execute(item, makeContext(item, { restore }))).item), [wait, 'h', 'own']);
  }
  const later = pod({ init: [{ name: 'own', image: 'x' }, { name: 'restore-wait', image: 'velero' }] });
  assert.deepEqual(initNames((await initRestoreHookAction.execute(later, makeContext(later, { restore }))).item), ['h', 'own', 'restore-wait']);
});

test('no hooks, or none matching: the pod is returned as is', async () => {
  const item = pod();
  assert.equal((await initRestoreHookAction.execute(item, makeContext(item))).item, item);
  const restore = restoreWith([hook('elsewhere', { includedNamespaces: ['other'] }, 'x')]);
  assert.equal((await initRestoreHookAction.execute(item, makeContext(item, { restore }))).item, item);
});

test('a spec hook init container without image or command fails the pod, naming the hook', async () => {
  const restore = restoreWith([{ name: 'broken', postHooks: [{ init: { initContainers: [{ name: 'x', image: 'busybox' }] } }] }]);
  const item = pod();
  await assert.rejects(initRestoreHookAction.execute(item, makeContext(item, { restore })), /restore hook "broken" has an init container without command/);
});

test('hook containers are copies: the restore spec is not shared with the item', async () => {
  const restore = restoreWith([hook('all', {}, 'h')]);
  const item = pod();
  const r = await initRestoreHookAction.execute(item, makeContext(item, { restore }));
  const [c] = (r.item.spec as { initContainers: Array<{ command: string[] }> }).initContainers;
  c!.command.push('mutated');
  assert.deepEqual((restore.spec.hooks.resources[0] as ReturnType<typeof hook>).postHooks[0]!.init!.initContainers[0]!.command, ['sh', '-c', 'echo h']);
});
