/**
 * Target namespaces: one LIST decides for all of them; a Terminating one is polled until it is gone and then
 * created; a namespace that exists is left alone. Against a small fake client (the real control plane is
 * exercised by the restore integration tests, where namespaces are deleted just before restoring).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import { NamespaceEnsurer } from './namespaces.ts';

const status = (code: number, reason: string): KubeApiError => new KubeApiError({ method: 'X', path: '/ns', code, status: { reason, message: reason } });

class FakeNamespaces {
  readonly calls: string[] = [];
  readonly #items = new Map<string, KubeObject>();
  /** GETs after which a terminating namespace is gone. */
  goneAfterGets = 1;

  add(name: string, terminating = false): void {
    this.#items.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });
  }

  async *listAll(_ref: ResourceRef): AsyncGenerator<KubeObject> {
    this.calls.push('list');
    for (const ns of this.#items.values()) yield structuredClone(ns);
  }

  async get(_ref: ResourceRef, name: string): Promise<KubeObject> {
    this.calls.push(`get ${name}`);
    const ns = this.#items.get(name);
    if (ns?.metadata.deletionTimestamp && --this.goneAfterGets < 0) this.#items.delete(name);
    const now = this.#items.get(name);
    if (!now) throw status(404, 'NotFound');
    return structuredClone(now);
  }

  async create(_ref: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    this.calls.push(`create ${obj.metadata.name}`);
    if (this.#items.has(obj.metadata.name!)) throw status(409, 'AlreadyExists');
    this.#items.set(obj.metadata.name!, obj);
    return obj;
  }
}

test('one LIST for every namespace; missing ones are created, existing ones left alone, no GET', async () => {
  const fake = new FakeNamespaces();
  fake.add('existing');
  const ensurer = new NamespaceEnsurer({ client: fake as unknown as KubeClient, terminatingTimeoutMs: 1000, pollMs: 1 });
  const outcomes = await Promise.all(['a', 'b', 'existing', 'a'].map((ns) => ensurer.ensure(ns, undefined)));
  assert.deepEqual(outcomes, ['created', 'created', 'existed', 'created']);
  assert.deepEqual(fake.calls, ['list', 'create a', 'create b']);
  assert.deepEqual([...ensurer.created].sort(), ['a', 'b']);
});

test('a Terminating namespace is polled with GETs until it is gone, then created', async () => {
  const fake = new FakeNamespaces();
  fake.add('shop', true);
  fake.goneAfterGets = 2;
  const ensurer = new NamespaceEnsurer({ client: fake as unknown as KubeClient, terminatingTimeoutMs: 5000, pollMs: 1 });
  const backedUp: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a', 'kubernetes.io/metadata.name': 'shop' } } };
  assert.equal(await ensurer.ensure('shop', backedUp), 'created');
  assert.deepEqual(fake.calls, ['list', 'get shop', 'get shop', 'get shop', 'create shop']);
});

test('a namespace still Terminating at the timeout fails, naming the flag', async () => {
  const fake = new FakeNamespaces();
  fake.add('stuck', true);
  fake.goneAfterGets = Number.POSITIVE_INFINITY;
  const ensurer = new NamespaceEnsurer({ client: fake as unknown as KubeClient, terminatingTimeoutMs: 20, pollMs: 5 });
  await assert.rejects(ensurer.ensure('stuck', undefined), /still terminating .*--terminating-resource-timeout/);
});

test('created by someone else between the LIST and the CREATE: it existed', async () => {
  const fake = new FakeNamespaces();
  const ensurer = new NamespaceEnsurer({ client: fake as unknown as KubeClient, terminatingTimeoutMs: 1000, pollMs: 1 });
  await ensurer.ensure('warmup', undefined);
  fake.add('late');
  assert.equal(await ensurer.ensure('late', undefined), 'existed');
  assert.deepEqual(fake.calls, ['list', 'create warmup', 'create late', 'get late']);
});
