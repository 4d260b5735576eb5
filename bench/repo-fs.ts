/**
 * @module bench/repo-fs: F1–F4 of the volume-data repository, quickly, for tuning (not `npm run bench`, which
 * has the full suite in bench/scenarios/fs*.ts). Every step runs in a fresh process (clean peak RSS):
 *   node bench/repo-fs.ts [--work /dev/shm/skiff-repo-bench] [--repo-dir DIR] [--s3 URL] [--only f1,f2,f3,f4]
 *     [--files 100000] [--dirs 1000] [--mib 1024] [--flags="--cpu-prof"] [--keep]
 *     [--threads N] [--uploads N] [--inflight BYTES]
 * (--s3 s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true, credentials from the AWS environment.)
 * F1: backup of one large random file; F2: backup of many ~100 B files; F3: incremental after 10 rewritten
 * MiB regions (large) and 1,000 changed + 100 added + 100 deleted files (small); F4: restore of both.
 * Prints one JSON line per step: seconds, rate, CPU seconds, peak RSS (all threads), bytes/objects written.
 * --threads, --uploads: the repository's worker threads and uploads at once; --inflight: the archiver's bound
 * on large-file bytes in flight. SKIFF_BENCH_MEM=1 adds where the memory is at the RSS peak (=maps: which
 * mappings hold it, on stderr). --keep leaves the data sets, repositories and restored trees in place.
 * The steps are bench/scenarios/fs-child.ts's, on the data sets of bench/scenarios/fs-group.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runChild } from './lib.ts';
import type { ScenarioResult } from './scenario-context.ts';
import { MiB } from './scenarios/fs-data.ts';
import { FS_CHILD, dataSets, removeRepo } from './scenarios/fs-group.ts';
import type { FsArgs } from './scenarios/fs.ts';

const { values } = parseArgs({
  options: {
    work: { type: 'string' }, 'repo-dir': { type: 'string' }, s3: { type: 'string' }, only: { type: 'string' },
    files: { type: 'string' }, dirs: { type: 'string' }, mib: { type: 'string' }, flags: { type: 'string' }, keep: { type: 'boolean' },
    threads: { type: 'string' }, uploads: { type: 'string' }, inflight: { type: 'string' },
  },
});
const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
const only = new Set((values.only ?? 'f1,f2,f3,f4').split(','));
const tag = randomBytes(3).toString('hex');
/** This run's data sets and restored trees. */
const work = join(values.work ?? (existsSync('/dev/shm') ? '/dev/shm/skiff-repo-bench' : '/tmp/skiff-repo-bench'), tag);
const repoDir = values['repo-dir'] ?? join(work, 'repos');
const flags = (values.flags ?? '').split(' ').filter(Boolean);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The repository of a data set: a directory in --repo-dir, or a prefix below --s3's. */
function urlOf(name: string): string {
  if (!values.s3) return pathToFileURL(join(repoDir, `${tag}-${name}`)).href;
  const [base, query] = values.s3.split('?');
  return `${base!.replace(/\/+$/, '')}/${tag}-${name}${query ? `?${query}` : ''}`;
}

/** A step's JSON line, from the child's figures. */
function print(step: string, r: ScenarioResult, before: Record<string, number> = {}): void {
  const { bytes = 0, bytesUploaded = 0, objectsWritten, ...rest } = r.extra ?? {};
  console.log(JSON.stringify({
    step, ...before,
    seconds: +r.seconds.toFixed(3), files: r.objects, MBps: +(bytes / 1e6 / r.seconds).toFixed(1), filesPerSec: Math.round(r.objects / r.seconds),
    cpuSeconds: r.cpuSeconds, maxRssMB: Math.round(r.maxRssMB), uploadedMB: +(bytesUploaded / 1e6).toFixed(2), objectsWritten, ...rest,
  }));
}

const tuning = { threads: num(values.threads), uploadConcurrency: num(values.uploads), maxInFlightBytes: num(values.inflight), keep: values.keep === true };
const opts = { ids: [...only], f1Bytes: Number(values.mib ?? 1024) * MiB, f2Files: Number(values.files ?? 100_000), f2Dirs: Number(values.dirs ?? 1000) };
const used: string[] = [];
try {
  for (const data of dataSets(work, opts, log)) {
    const args: FsArgs = { ...tuning, url: urlOf(data.kind), password: 'bench-password', dir: data.dir };
    used.push(args.url!);
    const step = (id: string, more: Partial<FsArgs>): Promise<ScenarioResult> => runChild(id, { ...args, ...more }, { ...FS_CHILD, flags });
    print(`${data.id}-backup`, await step('fs-backup', { init: true }));
    if (only.has('f4')) print(`f4-restore-${data.kind}`, await step('fs-restore', { target: join(work, `target-${data.kind}`) }));
    if (only.has('f3')) {
      const change = data.change();
      try {
        print(`f3-${data.kind}`, await step('fs-backup', { incremental: true }), { changedMB: change.changedBytes / 1e6 });
      } finally {
        change.undo();
      }
    }
    if (!values.keep) rmSync(data.dir, { recursive: true, force: true });
  }
} finally {
  if (!values.keep) {
    for (const url of used) await removeRepo(url, process.env);
    rmSync(work, { recursive: true, force: true });
  }
}
