/**
 * @module repo/testing-fs: compares directory trees on disk, for round-trip tests of backup and restore
 * (tests only).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HOLE_BLOCK } from './file-content.ts';

export interface DiskEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  size?: number;
  sha256?: string;
  linkTarget?: string;
  ino: bigint;
  nlink: bigint;
  /** Bytes the file system allocated (blocks × 512). */
  allocated: bigint;
  /** Sparse files (fewer bytes allocated than their size): runs of HOLE_BLOCK blocks that are not all zero. */
  dataRuns?: number;
}

/** Every entry under `root` by relative path (the root itself excluded). */
export async function describeDisk(root: string): Promise<Map<string, DiskEntry>> {
  const out = new Map<string, DiskEntry>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(full, { bigint: true });
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      const entry: DiskEntry = { type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs, ino: st.ino, nlink: st.nlink, allocated: st.blocks * 512n };
      if (type === 'file') {
        entry.size = Number(st.size);
        const facts = await readFacts(full, entry.allocated < st.size);
        entry.sha256 = facts.sha256;
        if (facts.dataRuns !== undefined) entry.dataRuns = facts.dataRuns;
      }
      if (type === 'symlink') entry.linkTarget = await readlink(full);
      out.set(path, entry);
      if (type === 'dir') await walk(full, path);
    }
  };
  await walk(root, '');
  return out;
}

const ZEROS = Buffer.alloc(HOLE_BLOCK);

/** A file's SHA-256 and, when `runs`, its data runs (maximal runs of HOLE_BLOCK blocks not all zero). */
async function readFacts(path: string, runs: boolean): Promise<{ sha256: string; dataRuns?: number }> {
  const hash = createHash('sha256');
  const blocks = { runs: 0, inRun: false, filled: 0, data: false };
  const endBlock = (): void => {
    if (blocks.data && !blocks.inRun) blocks.runs++;
    blocks.inRun = blocks.data;
    blocks.filled = 0;
    blocks.data = false;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    // Stream chunks need not be block aligned: a block's state carries over.
    for (let at = 0; runs && at < chunk.length; ) {
      const n = Math.min(chunk.length - at, HOLE_BLOCK - blocks.filled);
      blocks.data ||= !chunk.subarray(at, at + n).equals(ZEROS.subarray(0, n));
      at += n;
      blocks.filled += n;
      if (blocks.filled === HOLE_BLOCK) endBlock();
    }
  }
  if (blocks.filled > 0) endBlock();
  return runs ? { sha256: hash.digest('hex'), dataRuns: blocks.runs } : { sha256: hash.digest('hex') };
}

export interface SameDiskOptions {
  /** Allowed mtime difference: Node sets times as a double of seconds (≈ 0.25 µs at today's dates). */
  mtimeToleranceNs?: bigint;
  /** Compare symlink mtimes too (default true). */
  symlinkTimes?: boolean;
  owners?: boolean;
}

/**
 * Asserts that `restored` holds the same entries as `source`: types, modes, owners, mtimes, content, symlink
 * targets, sparse files still sparse, and hard links still linked.
 */
export function assertSameDisk(source: Map<string, DiskEntry>, restored: Map<string, DiskEntry>, opts: SameDiskOptions = {}): void {
  const tolerance = opts.mtimeToleranceNs ?? 1000n;
  assert.deepEqual([...restored.keys()], [...source.keys()], 'the same paths');
  const inodes = new Map<bigint, bigint>();
  for (const [path, a] of source) {
    const b = restored.get(path)!;
    assert.equal(b.type, a.type, `${path}: type`);
    if (a.type !== 'symlink') assert.equal(b.mode.toString(8), a.mode.toString(8), `${path}: mode`);
    if (opts.owners ?? true) assert.deepEqual([b.uid, b.gid], [a.uid, a.gid], `${path}: owner`);
    if (a.type !== 'symlink' || (opts.symlinkTimes ?? true)) {
      const diff = a.mtimeNs > b.mtimeNs ? a.mtimeNs - b.mtimeNs : b.mtimeNs - a.mtimeNs;
      assert.ok(diff <= tolerance, `${path}: mtime ${b.mtimeNs} vs ${a.mtimeNs}`);
    }
    assert.equal(b.size, a.size, `${path}: size`);
    assert.equal(b.sha256, a.sha256, `${path}: content`);
    assert.equal(b.linkTarget, a.linkTarget, `${path}: symlink target`);
    if (a.type === 'file' && a.size !== undefined && a.allocated < BigInt(a.size)) {
      // Sparse stays sparse: not more allocated than the source plus one hole block of slack per data run.
      const limit = a.allocated + BigInt(a.dataRuns!) * BigInt(HOLE_BLOCK);
      assert.ok(b.allocated <= limit, `${path}: the restored sparse file allocates ${b.allocated} bytes, the source ${a.allocated} (${a.dataRuns} data runs, ${a.size} bytes)`);
    }
    if (a.type === 'file' && a.nlink > 1n) {
      const seen = inodes.get(a.ino);
      if (seen === undefined) inodes.set(a.ino, b.ino);
      else assert.equal(b.ino, seen, `${path}: hard link not re-created`);
    }
  }
}
