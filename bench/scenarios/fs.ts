/**
 * @module bench/scenarios/fs: F1–F4 in a fresh process each — a backup of a directory into a repository
 * (local directory or MinIO), a restore of its latest snapshot into an empty directory — and their floors:
 * reading every file with SHA-256 (`cat | sha256sum`) and copying every file (`cp -r`). Only the operation is
 * timed; opening the repository (scrypt, the index) is not. Objects and bytes the run wrote are counted from
 * a listing of the store before and after.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Repository, backupDirectory, openRepoLocation, restoreSnapshot, type KdfParams } from '../../src/repo/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import type { Prepared } from '../scenario-context.ts';

/** What every fs scenario child gets. */
export interface FsArgs {
  /** `file:///…` or `s3://bucket/prefix?endpoint=…`. */
  url?: string;
  /** S3 credentials; unset: the AWS environment of the process. */
  credentialsFile?: string;
  password?: string;
  /** The data set's directory (backup, floors) or the restore target. */
  dir: string;
  target?: string;
  /** Backup: create the repository first (untimed). */
  init?: boolean;
  /** Backup: compare with the latest snapshot of the source (F3) instead of reading everything. */
  incremental?: boolean;
  cacheDir?: string;
  /** Repository options for tuning (bench/repo-fs.ts); unset: the repository's defaults. */
  threads?: number;
  uploadConcurrency?: number;
  /** Backup: the archiver's bound on large-file bytes in flight. */
  maxInFlightBytes?: number;
  /** Restore: leave the restored tree in place (to look at it). */
  keep?: boolean;
}

/** Cheaper than the default (2^17), so scrypt's 128 MiB do not hide the engine's own peak RSS; untimed either way. */
const BENCH_KDF: KdfParams = { N: 2 ** 14, r: 8, p: 1 };
const SOURCE = { host: 'bench', path: '/bench' };

async function openRepo(args: FsArgs): Promise<{ repo: Repository; store: ObjectStore; before: Usage }> {
  const env = args.credentialsFile ? { AWS_SHARED_CREDENTIALS_FILE: args.credentialsFile } : process.env;
  const { store, prefix } = await openRepoLocation(args.url!, { env, create: args.init === true });
  const opts = { kdf: BENCH_KDF, cacheDir: args.cacheDir, lock: 'shared' as const, threads: args.threads, uploadConcurrency: args.uploadConcurrency };
  const repo = args.init ? await Repository.init(store, prefix, args.password!, opts) : await Repository.open(store, prefix, args.password!, opts);
  return { repo, store, before: await usage(store, prefix) };
}

export interface Usage {
  objects: number;
  bytes: number;
}

/** Objects and bytes under a repository (locks excluded: they come and go). */
export async function usage(store: ObjectStore, prefix: string): Promise<Usage> {
  const u = { objects: 0, bytes: 0 };
  for await (const o of store.listObjects(prefix)) {
    if (o.key.startsWith(`${prefix}locks/`)) continue;
    u.objects++;
    u.bytes += o.size;
  }
  return u;
}

async function closeRepo(repo: Repository, store: ObjectStore, before: Usage): Promise<Record<string, number>> {
  await repo.close();
  const after = await usage(store, repo.prefix);
  await store.close();
  return { objectsWritten: after.objects - before.objects, bytesUploaded: after.bytes - before.bytes, repoObjects: after.objects, repoBytes: after.bytes };
}

export async function fsBackup(args: FsArgs): Promise<Prepared> {
  const { repo, store, before } = await openRepo(args);
  return {
    run: async () => {
      const s = await backupDirectory(repo, args.dir, { source: SOURCE, hostname: 'bench', parent: args.incremental ? undefined : null, maxInFlightBytes: args.maxInFlightBytes });
      const m = s.summary;
      return { objects: m.files, extra: { bytes: m.totalBytes, bytesRead: m.bytesRead, newBlobs: m.newBlobs, newBytesRaw: m.newBytesRaw, newBytesStored: m.newBytesStored, errors: m.errorCount } };
    },
    close: () => closeRepo(repo, store, before),
  };
}

export async function fsRestore(args: FsArgs): Promise<Prepared> {
  const { repo, store, before } = await openRepo(args);
  const target = args.target!;
  rmSync(target, { recursive: true, force: true });
  return {
    run: async () => {
      const r = await restoreSnapshot(repo, 'latest', target);
      return { objects: r.files, extra: { bytes: r.bytes, dirs: r.dirs } };
    },
    close: async () => {
      const out = await closeRepo(repo, store, before);
      if (!args.keep) rmSync(target, { recursive: true, force: true });
      return out;
    },
  };
}

/** Every regular file below `dir`, depth first. */
function* files(dir: string, rel = ''): Generator<string> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* files(dir, path);
    else if (e.isFile()) yield path;
  }
}

const BLOCK = 4 * 1024 * 1024;

/** The backup floor: read every file and hash it (SHA-256), one core, as `cat | sha256sum` would. */
export async function fsFloorRead(args: FsArgs): Promise<Prepared> {
  const buf = Buffer.allocUnsafe(BLOCK);
  return {
    run: async () => {
      let n = 0;
      let bytes = 0;
      for (const rel of files(args.dir)) {
        const fd = openSync(join(args.dir, rel), 'r');
        const h = createHash('sha256');
        for (let got = readSync(fd, buf, 0, BLOCK, null); got > 0; got = readSync(fd, buf, 0, BLOCK, null)) {
          h.update(buf.subarray(0, got));
          bytes += got;
        }
        h.digest();
        closeSync(fd);
        n++;
      }
      return { objects: n, extra: { bytes } };
    },
    close: async () => undefined,
  };
}

/** The restore floor: copy every file into an empty directory (`cp -r`), one core. */
export async function fsFloorCopy(args: FsArgs): Promise<Prepared> {
  const buf = Buffer.allocUnsafe(BLOCK);
  const target = args.target!;
  rmSync(target, { recursive: true, force: true });
  return {
    run: async () => {
      let n = 0;
      let bytes = 0;
      const made = new Set<string>();
      for (const rel of files(args.dir)) {
        const parent = join(target, rel, '..');
        if (!made.has(parent)) mkdirSync(parent, { recursive: true }), made.add(parent);
        const src = openSync(join(args.dir, rel), 'r');
        const dst = openSync(join(target, rel), 'wx');
        for (let got = readSync(src, buf, 0, BLOCK, null); got > 0; got = readSync(src, buf, 0, BLOCK, null)) {
          writeSync(dst, buf, 0, got);
          bytes += got;
        }
        closeSync(src);
        closeSync(dst);
        n++;
      }
      return { objects: n, extra: { bytes } };
    },
    close: async () => rmSync(target, { recursive: true, force: true }),
  };
}
