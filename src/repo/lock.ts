/**
 * @module repo/lock: repository locks (ADR 0015). `locks/<id>` is plain JSON naming who works on the
 * repository; shared for backups and restores, exclusive for maintenance. Acquiring = write one's lock, then
 * list the others: when any conflicting live lock is there, delete one's own and back off (then retry with
 * jitter while `waitMs` lasts). Of two racing lockers at least one sees the other (each lists after its own
 * write, and listings are strongly consistent), so they never both proceed; a holder never re-checks, so the
 * one already working wins. Timestamps cannot order racing writes (each is taken before its write), so they
 * decide nothing but staleness. A holder refreshes its lock every 5 min
 * (a new file, then the old one deleted: lock files are never rewritten); a lock not refreshed for 30 min,
 * or one of a dead process on this host, is stale and ignored.
 */
import { hostname as osHostname } from 'node:os';
import { isObjectNotFound, readObject, type ObjectStore } from '../storage/index.ts';
import { mapLimit, sleep } from '../util/index.ts';
import { randomHex } from './crypto.ts';
import { RepoError } from './errors.ts';

export interface LockInfo {
  exclusive: boolean;
  hostname: string;
  pid: number;
  /** When the lock was acquired (kept across refreshes: it decides who is older). */
  time: string;
  refreshed: string;
}

export interface LockEntry {
  id: string;
  /** Undefined when the file is not a lock (then it counts as an exclusive lock until it is stale by age). */
  info: LockInfo | undefined;
  lastModified: Date | undefined;
  stale: boolean;
}

export interface LockOptions {
  exclusive: boolean;
  /** How long to keep retrying while a conflicting lock is held (default 0: fail at once). */
  waitMs?: number | undefined;
  /** Between retries (default 5 s, jittered). */
  retryMs?: number | undefined;
  hostname?: string | undefined;
  pid?: number | undefined;
  now?: (() => number) | undefined;
  refreshMs?: number | undefined;
  staleMs?: number | undefined;
  /** Whether a pid of this host runs (default: signal 0). */
  isAlive?: ((pid: number) => boolean) | undefined;
}

/**
 * Locks this process holds: a lock on this host with this process's pid that is not one of them belongs to
 * an earlier process that had the same pid (pid 1 of a restarted container), so it is stale.
 */
const heldHere = new Set<string>();

export const REFRESH_MS = 5 * 60_000;
export const STALE_MS = 30 * 60_000;

export function lockKey(prefix: string, id: string): string {
  return `${prefix}locks/${id}`;
}

export class RepoLockedError extends RepoError {
  override readonly name: string = 'RepoLockedError';
  readonly holders: LockInfo[];

  constructor(where: string, exclusive: boolean, holders: LockEntry[]) {
    const who = holders.map((h) => (h.info ? `${h.info.exclusive ? 'an exclusive' : 'a shared'} lock of pid ${h.info.pid} on ${h.info.hostname} since ${h.info.time}` : `an unreadable lock file ${h.id}`));
    super('Locked', `the repository at ${where} is locked (${who.join('; ')}); ${exclusive ? 'an exclusive lock needs no other lock' : 'a shared lock needs no exclusive lock'}. A lock of a crashed process turns stale after ${STALE_MS / 60_000} min of no refresh (at once when it ran on this host)`);
    this.holders = holders.flatMap((h) => (h.info ? [h.info] : []));
  }
}

/** A held lock: refreshed in the background until released. `signal` aborts when it could not be kept fresh. */
export class RepoLock {
  readonly exclusive: boolean;
  #id: string;
  #info: LockInfo;
  readonly #store: ObjectStore;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #staleMs: number;
  readonly #refreshMs: number;
  readonly #lost = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #lastRefresh: number;
  #released = false;

  private constructor(store: ObjectStore, prefix: string, id: string, info: LockInfo, opts: LockOptions) {
    this.exclusive = info.exclusive;
    this.#store = store;
    this.#prefix = prefix;
    this.#id = id;
    this.#info = info;
    this.#now = opts.now ?? Date.now;
    this.#staleMs = opts.staleMs ?? STALE_MS;
    this.#refreshMs = opts.refreshMs ?? REFRESH_MS;
    this.#lastRefresh = this.#now();
    this.#schedule(this.#refreshMs);
  }

  get id(): string {
    return this.#id;
  }

  get info(): LockInfo {
    return this.#info;
  }

  /** Aborted (reason: a RepoError 'Locked') when refreshes failed for so long that others may call the lock stale. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  static async acquire(store: ObjectStore, prefix: string, where: string, opts: LockOptions): Promise<RepoLock> {
    const now = opts.now ?? Date.now;
    const deadline = now() + (opts.waitMs ?? 0);
    for (;;) {
      const time = new Date(now()).toISOString();
      const info: LockInfo = { exclusive: opts.exclusive, hostname: opts.hostname ?? osHostname(), pid: opts.pid ?? process.pid, time, refreshed: time };
      const id = randomHex(32);
      heldHere.add(id); // before the write: another acquire in this process must not take it for a dead process's
      let blockers: LockEntry[];
      try {
        await store.putObject(lockKey(prefix, id), JSON.stringify(info), { contentType: 'application/json', ifNoneMatch: true });
        blockers = (await listLocks(store, prefix, opts)).filter((l) => l.id !== id && !l.stale && conflicts(info, l));
        if (blockers.length === 0) return new RepoLock(store, prefix, id, info, opts);
        await store.deleteObject(lockKey(prefix, id));
      } catch (err) {
        heldHere.delete(id);
        await store.deleteObject(lockKey(prefix, id)).catch(() => undefined);
        throw err;
      }
      heldHere.delete(id);
      if (now() >= deadline) throw new RepoLockedError(where, opts.exclusive, blockers);
      const retry = opts.retryMs ?? 5000;
      await sleep(Math.min(deadline - now(), retry / 2 + Math.random() * retry));
    }
  }

  /** Writes a fresh lock file (same acquisition time), then deletes the previous one. */
  async refresh(): Promise<void> {
    if (this.#released) return;
    const info: LockInfo = { ...this.#info, refreshed: new Date(this.#now()).toISOString() };
    const id = randomHex(32);
    heldHere.add(id);
    await this.#store.putObject(lockKey(this.#prefix, id), JSON.stringify(info), { contentType: 'application/json', ifNoneMatch: true });
    const old = this.#id;
    heldHere.delete(old);
    this.#id = id;
    this.#info = info;
    this.#lastRefresh = this.#now();
    await this.#store.deleteObject(lockKey(this.#prefix, old));
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    heldHere.delete(this.#id);
    await this.#store.deleteObject(lockKey(this.#prefix, this.#id));
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.refresh();
      if (!this.#released) this.#schedule(this.#refreshMs);
    } catch (err) {
      if (this.#released) return;
      // Others call the lock stale at staleMs; give up one refresh interval before that.
      if (this.#now() - this.#lastRefresh > this.#staleMs - this.#refreshMs) {
        this.#lost.abort(new RepoError('Locked', `the repository lock could not be refreshed since ${new Date(this.#lastRefresh).toISOString()}: ${(err as Error).message}`, { cause: err }));
        return;
      }
      this.#schedule(Math.min(60_000, this.#refreshMs));
    }
  }
}

function conflicts(mine: LockInfo, other: LockEntry): boolean {
  return mine.exclusive || other.info === undefined || other.info.exclusive;
}

/** Every lock file with its state (one listing, then one small GET per lock). */
export async function listLocks(store: ObjectStore, prefix: string, opts: Pick<LockOptions, 'now' | 'staleMs' | 'hostname' | 'isAlive' | 'pid'> = {}): Promise<LockEntry[]> {
  const files: Array<{ id: string; lastModified: Date | undefined }> = [];
  for await (const o of store.listObjects(`${prefix}locks/`)) files.push({ id: o.key.slice(`${prefix}locks/`.length), lastModified: o.lastModified });
  const entries = await mapLimit(files, 8, async (f): Promise<LockEntry | undefined> => {
    let info: LockInfo | undefined;
    try {
      info = parseLock((await readObject(store, lockKey(prefix, f.id))).toString('utf8'));
    } catch (err) {
      if (isObjectNotFound(err)) return undefined; // released meanwhile
      throw err;
    }
    const stale = isStale(info, f.lastModified, opts) || (info !== undefined && info.pid === (opts.pid ?? process.pid) && info.hostname === (opts.hostname ?? osHostname()) && !heldHere.has(f.id));
    return { id: f.id, info, lastModified: f.lastModified, stale };
  });
  return entries.filter((e): e is LockEntry => e !== undefined);
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.exclusive === 'boolean' && typeof v.hostname === 'string' && Number.isInteger(v.pid) && !Number.isNaN(Date.parse(String(v.time))) && !Number.isNaN(Date.parse(String(v.refreshed)))) return v as LockInfo;
  } catch {
    // not JSON: handled as unreadable
  }
  return undefined;
}

export function isStale(info: LockInfo | undefined, lastModified: Date | undefined, opts: Pick<LockOptions, 'now' | 'staleMs' | 'hostname' | 'isAlive'> = {}): boolean {
  const now = (opts.now ?? Date.now)();
  const staleMs = opts.staleMs ?? STALE_MS;
  const refreshed = info ? Date.parse(info.refreshed) : (lastModified?.getTime() ?? now);
  if (now - refreshed > staleMs) return true;
  if (info && info.hostname === (opts.hostname ?? osHostname())) return !(opts.isAlive ?? pidAlive)(info.pid);
  return false;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes stale locks (of crashed processes); returns how many. */
export async function removeStaleLocks(store: ObjectStore, prefix: string, opts: Pick<LockOptions, 'now' | 'staleMs' | 'hostname' | 'isAlive' | 'pid'> = {}): Promise<number> {
  const stale = (await listLocks(store, prefix, opts)).filter((l) => l.stale);
  await mapLimit(stale, 8, (l) => store.deleteObject(lockKey(prefix, l.id)));
  return stale.length;
}
