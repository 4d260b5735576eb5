/**
 * @module bench/scenarios/fs-data: the volume-data sets of performance-targets.md, generated deterministically
 * (an AES-CTR key stream from a fixed seed: the same bytes on every run and machine, incompressible like
 * random data) — F1's one large file, F2's many small files in 1,000 directories — and F3's changes to them,
 * which can be undone so every run starts from the same data.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

/** A deterministic byte stream (AES-128-CTR over zeros, keyed by `seed`). */
export class KeyStream {
  readonly #cipher;
  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest().subarray(0, 16);
    this.#cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  }

  next(n: number): Buffer {
    return this.#cipher.update(Buffer.alloc(n));
  }
}

/** F1: one file of `bytes` pseudo-random bytes. */
export function makeLargeFile(dir: string, bytes: number): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'large.bin');
  const fd = openSync(path, 'w');
  const ks = new KeyStream('f1');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(8 * MiB, bytes - done);
      writeSync(fd, ks.next(n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** F2's file `i`: `d<dir>/f<i>` (files spread evenly over `dirs` directories). */
export function smallFilePath(root: string, i: number, dirs: number): string {
  return join(root, `d${String(i % dirs).padStart(4, '0')}`, `f${String(i).padStart(7, '0')}`);
}

/** About 100 bytes (50–149), distinct per file and per `version`. */
export function smallFileContent(i: number, version = 0): Buffer {
  const size = 50 + ((i * 37 + version * 11) % 100);
  const head = Buffer.from(`${i}:${version}:`);
  return Buffer.concat([head, new KeyStream(`f2-${i}-${version}`).next(Math.max(0, size - head.length))]);
}

/** F2: `files` small files in `dirs` directories. */
export function makeSmallFiles(root: string, files: number, dirs: number): void {
  for (let d = 0; d < dirs; d++) mkdirSync(join(root, `d${String(d).padStart(4, '0')}`), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(smallFilePath(root, i, dirs), smallFileContent(i));
}

/** A change that can be undone; `changedBytes` is what a perfect incremental backup would have to upload. */
export interface Change {
  changedBytes: number;
  undo(): void;
}

/** F3 on F1: `regions` regions of 1 MiB at fixed pseudo-random offsets rewritten with other bytes. */
export function rewriteRegions(path: string, size: number, regions = 10): Change {
  const picks = new KeyStream('f3-offsets').next(regions * 4);
  const offsets = Array.from({ length: regions }, (_, k) => Math.floor((picks.readUInt32LE(k * 4) / 2 ** 32) * Math.max(1, size - MiB)));
  const fd = openSync(path, 'r+');
  const saved: Buffer[] = [];
  const fresh = new KeyStream('f3-data');
  try {
    for (const off of offsets) {
      const old = Buffer.alloc(MiB);
      readSync(fd, old, 0, MiB, off);
      saved.push(old);
      writeSync(fd, fresh.next(MiB), 0, MiB, off);
    }
  } finally {
    closeSync(fd);
  }
  return {
    changedBytes: regions * MiB,
    undo: () => {
      const back = openSync(path, 'r+');
      try {
        // In reverse, so overlapping regions end as they began.
        for (let k = offsets.length - 1; k >= 0; k--) writeSync(back, saved[k]!, 0, MiB, offsets[k]!);
      } finally {
        closeSync(back);
      }
    },
  };
}

/** F3 on F2: `changed` files rewritten, `added` new files, `deleted` files removed (spread over the tree). */
export function changeSmallFiles(root: string, files: number, dirs: number, counts = { changed: 1000, added: 100, deleted: 100 }): Change {
  const step = Math.max(1, Math.floor(files / (counts.changed + counts.deleted)));
  const changed: Array<{ path: string; old: Buffer }> = [];
  const deleted: Array<{ path: string; old: Buffer }> = [];
  const added: string[] = [];
  let bytes = 0;
  const total = counts.changed + counts.deleted;
  for (let k = 0; k < total; k++) {
    const path = smallFilePath(root, k * step, dirs);
    const old = readFileSync(path);
    // Deletions spread evenly among the changes.
    if (deleted.length < Math.round(((k + 1) * counts.deleted) / total)) {
      rmSync(path);
      deleted.push({ path, old });
    } else {
      const next = smallFileContent(k * step, 1);
      writeFileSync(path, next);
      changed.push({ path, old });
      bytes += next.length;
    }
  }
  for (let k = 0; k < counts.added; k++) {
    const path = join(root, `d${String(k % dirs).padStart(4, '0')}`, `new-${k}`);
    const content = smallFileContent(files + k, 2);
    writeFileSync(path, content);
    added.push(path);
    bytes += content.length;
  }
  return {
    changedBytes: bytes,
    undo: () => {
      for (const { path, old } of [...changed, ...deleted]) writeFileSync(path, old);
      for (const path of added) rmSync(path, { force: true });
    },
  };
}
