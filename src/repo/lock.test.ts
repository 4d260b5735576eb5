/** @module repo/lock.test: shared and exclusive locks, backing off, waiting, refresh and stale locks. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/index.ts';
import { listAll } from '../storage/testing/index.ts';
import { RepoLock, RepoLockedError, listLocks, lockKey, removeStaleLocks } from './lock.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-lock-'));
after(() => rm(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): Promise<LocalObjectStore> => LocalObjectStore.open({ root, bucket: `l${n++}`, createBucket: true });
const where = 'test repo';

test('shared locks coexist; an exclusive lock waits for none and blocks everyone', async () => {
  const store = await fresh();
  const a = await RepoLock.acquire(store, '', where, { exclusive: false });
  const b = await RepoLock.acquire(store, '', where, { exclusive: false });
  await assert.rejects(RepoLock.acquire(store, '', where, { exclusive: true }), (err: unknown) => err instanceof RepoLockedError && err.holders.length === 2 && /a shared lock of pid/.test(err.message));
  assert.equal((await listAll(store, 'locks/')).length, 2, 'the loser removed its lock');
  await a.release();
  await b.release();
  const x = await RepoLock.acquire(store, '', where, { exclusive: true });
  await assert.rejects(RepoLock.acquire(store, '', where, { exclusive: false }), (err: unknown) => err instanceof RepoLockedError && /an exclusive lock/.test(err.message));
  await x.release();
  assert.deepEqual(await listAll(store, 'locks/'), []);
});

test('waiting: an exclusive lock is taken once the shared one is released; racers never overlap', async () => {
  const store = await fresh();
  const shared = await RepoLock.acquire(store, '', where, { exclusive: false });
  setTimeout(() => void shared.release(), 100);
  const x = await RepoLock.acquire(store, '', where, { exclusive: true, waitMs: 10_000, retryMs: 20 });
  await x.release();
  let inside = 0;
  let maxInside = 0;
  await Promise.all(Array.from({ length: 3 }, async () => {
    const l = await RepoLock.acquire(store, '', where, { exclusive: true, waitMs: 30_000, retryMs: 20 });
    inside++;
    maxInside = Math.max(maxInside, inside);
    await new Promise((r) => setTimeout(r, 30));
    inside--;
    await l.release();
  }));
  assert.equal(maxInside, 1);
});

test('refresh writes a new lock file and deletes the old one, keeping the acquisition time', async () => {
  const store = await fresh();
  let now = Date.parse('2025-01-01T00:00:00Z');
  const l = await RepoLock.acquire(store, '', where, { exclusive: false, now: () => now });
  const first = l.id;
  now += 60_000;
  await l.refresh();
  assert.notEqual(l.id, first);
  assert.deepEqual((await listAll(store, 'locks/')).map((o) => o.key), [lockKey('', l.id)]);
  assert.equal(l.info.time, '2025-01-01T00:00:00.000Z');
  assert.equal(l.info.refreshed, '2025-01-01T00:01:00.000Z');
  await l.release();
});

test('stale locks (no refresh for 30 min, a dead pid on this host, an old process with our pid) are ignored and removable', async () => {
  const store = await fresh();
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const put = (id: string, info: object): Promise<void> => store.putObject(lockKey('', id), JSON.stringify(info));
  await put('old', { exclusive: true, hostname: 'elsewhere', pid: 1, time: new Date(t0).toISOString(), refreshed: new Date(t0).toISOString() });
  await put('dead', { exclusive: true, hostname: hostname(), pid: 999_999_999, time: new Date(t0 + 40 * 60_000).toISOString(), refreshed: new Date(t0 + 40 * 60_000).toISOString() });
  await put('mypid', { exclusive: true, hostname: hostname(), pid: process.pid, time: new Date(t0 + 40 * 60_000).toISOString(), refreshed: new Date(t0 + 40 * 60_000).toISOString() });
  await put('live', { exclusive: false, hostname: 'elsewhere', pid: 2, time: new Date(t0 + 40 * 60_000).toISOString(), refreshed: new Date(t0 + 41 * 60_000).toISOString() });
  const now = (): number => t0 + 45 * 60_000;
  const states = Object.fromEntries((await listLocks(store, '', { now })).map((l) => [l.id, l.stale]));
  assert.deepEqual(states, { old: true, dead: true, mypid: true, live: false });
  const shared = await RepoLock.acquire(store, '', where, { exclusive: false, now });
  await shared.release();
  assert.equal(await removeStaleLocks(store, '', { now }), 3);
  assert.deepEqual((await listAll(store, 'locks/')).map((o) => o.key), ['locks/live']);
  await store.putObject(lockKey('', 'garbage'), 'not json');
  assert.equal((await listLocks(store, '', { now })).find((l) => l.id === 'garbage')?.info, undefined);
  await assert.rejects(RepoLock.acquire(store, '', where, { exclusive: false, now }), (err: unknown) => err instanceof RepoLockedError && /unreadable lock file garbage/.test(err.message));
});

test('a lock that cannot be refreshed aborts its signal before others may call it stale', async () => {
  const store = await fresh();
  let now = 0;
  const l = await RepoLock.acquire(store, '', where, { exclusive: false, now: () => now, refreshMs: 20, staleMs: 100 });
  const put = store.putObject.bind(store);
  store.putObject = () => Promise.reject(new Error('store down'));
  now = 500;
  await new Promise<void>((resolve) => l.signal.addEventListener('abort', () => resolve(), { once: true }));
  assert.match(String((l.signal.reason as Error).message), /could not be refreshed.*store down/);
  store.putObject = put;
  await l.release();
});
