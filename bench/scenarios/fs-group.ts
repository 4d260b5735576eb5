/**
 * @module bench/scenarios/fs-group: F1–F4 and M1 of performance-targets.md in `npm run bench`.
 * The data sets are generated once into a temporary directory (deterministic bytes); every figure comes from
 * a fresh process (clean peak RSS), against a local-directory repository and against MinIO, `runs` times,
 * each backup into a fresh repository. F3 changes the data set of a repository a backup run left, backs it
 * up again with that backup as the parent, and undoes the change; F4 restores a backup run's snapshot into
 * an empty directory. Floors: read + SHA-256 of every file (backups), a plain copy (restores). One JSON line
 * per scenario and store, with the goal of the targets beside the figure.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openRepoLocation } from '../../src/repo/index.ts';
import { emptyPrefix } from '../../src/storage/testing/index.ts';
import { runChild, type BenchContext, type ChildOptions } from '../lib.ts';
import type { ScenarioResult } from '../scenario-context.ts';
import { MiB, changeSmallFiles, makeLargeFile, makeSmallFiles, rewriteRegions, type Change } from './fs-data.ts';
import { usage, type FsArgs, type Usage } from './fs.ts';
import { kopiaBackup, kopiaBinary, type KopiaStore } from './fs-kopia.ts';

/** How these scenarios' children start: their own light entry, as `skiff repo` runs (bin/skiff's V8 flags for them). */
export const FS_CHILD: ChildOptions = { script: 'scenarios/fs-child.ts', volumeData: true };

export const FS_GROUPS = ['f1', 'f2', 'f3', 'f4', 'm1'] as const;

export interface FsGroupOptions {
  ids: readonly string[];
  /** F1's file size (1 GiB in the targets). */
  f1Bytes: number;
  /** F2's file count (100,000; 1,000,000 for the memory-scaling figure) in `f2Dirs` directories. */
  f2Files: number;
  f2Dirs: number;
}

/** The goals of performance-targets.md (MB = 10^6 bytes). */
const GOALS: Record<string, Record<string, number>> = {
  'f1-backup': { minMBps: 300, maxRssMB: 200 },
  'f2-backup': { minFilesPerSec: 25_000, maxRssMB: 150 },
  'f3-large': { maxSeconds: 2 },
  'f3-small': { maxSeconds: 1 },
  'f4-large': { minMBps: 400 },
  'f4-small': { minFilesPerSec: 20_000 },
  m1: { chunkerMBps: 700, sha256MBps: 1200, aesGcmMBps: 1200, jsonMBps: 250 },
};

export interface DataSet {
  id: 'f1' | 'f2';
  /** F3's and F4's names for it. */
  kind: 'large' | 'small';
  dir: string;
  change: () => Change;
}

interface Store {
  name: 'local' | 'minio';
  /** The repository URL of a name (one repository per backup run). */
  url: (repo: string) => string;
  cleanup: () => Promise<void>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function fsGroup(ctx: BenchContext, opts: FsGroupOptions): Promise<void> {
  const ids = new Set(opts.ids);
  const work = await mkdtemp(join(tmpdir(), 'skiff-bench-fs-'));
  const stores = makeStores(ctx, work);
  const password = randomBytes(16).toString('hex');
  const bench = new FsRecorder(ctx);
  try {
    if (ids.has('m1')) await bench.record('m1', 'cpu', await repeat(ctx, () => runChild('fs-micro', {}, FS_CHILD)), {});
    for (const data of dataSets(work, opts, ctx.log)) {
      if (ids.has(data.id)) await bench.record(`${data.id}-floor-read`, 'disk', await repeat(ctx, () => runChild('fs-floor-read', { dir: data.dir }, FS_CHILD)), {});
      for (const store of stores) {
        const repos = Array.from({ length: ctx.runs }, (_, r) => store.url(`${data.id}-${r}`));
        const base = (r: number): FsArgs => ({ url: repos[r], credentialsFile: ctx.state.s3.credentialsFile, password, dir: data.dir });
        // Every backup run into a fresh repository; F3 and F4 use what they left.
        const backups = await repeat(ctx, (r) => runChild('fs-backup', { ...base(r), init: true }, FS_CHILD));
        if (ids.has(data.id)) await bench.record(`${data.id}-backup`, store.name, backups, { floor: `${data.id}-floor-read/disk` });
        if (ids.has('f4')) {
          const target = join(work, 'restore-target');
          const restore = (r: number): Promise<ScenarioResult> => runChild('fs-restore', { ...base(r), target }, FS_CHILD);
          let restores: ScenarioResult[];
          if (store === stores[0]) {
            // The floor and the restore take turns, run by run: each writes and then removes 100k files, after
            // which the disk's journal stays busy for a while, so whichever ran second paid for the first.
            const floors: ScenarioResult[] = [];
            restores = await repeat(ctx, async (r) => (floors.push(await runChild('fs-floor-copy', { dir: data.dir, target }, FS_CHILD)), restore(r)));
            await bench.record(`f4-${data.kind}-floor-copy`, 'disk', floors, {});
          } else restores = await repeat(ctx, restore);
          await bench.record(`f4-${data.kind}`, store.name, restores, { floor: `f4-${data.kind}-floor-copy/disk` });
        }
        if (ids.has('f3')) {
          const changes: number[] = [];
          const runs = await repeat(ctx, async (r) => {
            const change = data.change();
            try {
              changes.push(change.changedBytes);
              return await runChild('fs-backup', { ...base(r), incremental: true }, FS_CHILD);
            } finally {
              change.undo();
            }
          });
          await bench.record(`f3-${data.kind}`, store.name, runs, { changedBytes: median(changes) });
        }
      }
      if (ids.has(data.id)) await kopia(ctx, bench, data, stores, work);
      await rm(data.dir, { recursive: true, force: true });
    }
  } finally {
    for (const s of stores) await s.cleanup().catch((err: unknown) => ctx.log(`  cleanup of ${s.name} failed: ${String(err)}`));
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs `fn` once per run, in order. */
async function repeat(ctx: BenchContext, fn: (run: number) => Promise<ScenarioResult>): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (let r = 0; r < ctx.runs; r++) out.push(await fn(r));
  return out;
}

/** The data sets the asked scenarios need, each generated into `work` when its turn comes (the caller removes it). */
export function* dataSets(work: string, opts: FsGroupOptions, log: (line: string) => void): Generator<DataSet> {
  const ids = new Set(opts.ids);
  const any = ids.has('f3') || ids.has('f4');
  if (ids.has('f1') || any) {
    const dir = join(work, 'f1');
    const t = Date.now();
    const path = makeLargeFile(dir, opts.f1Bytes);
    log(`  F1: ${opts.f1Bytes / MiB} MiB file generated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    yield { id: 'f1', kind: 'large', dir, change: () => rewriteRegions(path, opts.f1Bytes) };
  }
  if (ids.has('f2') || any) {
    const dir = join(work, 'f2');
    const t = Date.now();
    makeSmallFiles(dir, opts.f2Files, opts.f2Dirs);
    log(`  F2: ${opts.f2Files} files in ${opts.f2Dirs} directories generated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const scale = opts.f2Files / 100_000;
    const counts = { changed: Math.max(1, Math.round(1000 * scale)), added: Math.max(1, Math.round(100 * scale)), deleted: Math.max(1, Math.round(100 * scale)) };
    yield { id: 'f2', kind: 'small', dir, change: () => changeSmallFiles(dir, opts.f2Files, opts.f2Dirs, counts) };
  }
}

function makeStores(ctx: BenchContext, work: string): Store[] {
  const s3 = ctx.state.s3;
  const prefix = `bench-fs-${Date.now()}`;
  const minioUrl = (p: string): string => `s3://${s3.bucket}/${p}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;
  return [
    { name: 'local', url: (repo) => pathToFileURL(join(work, 'repos', repo)).href, cleanup: () => rm(join(work, 'repos'), { recursive: true, force: true }) },
    {
      name: 'minio',
      url: (repo) => minioUrl(`${prefix}/${repo}`),
      cleanup: () => removeRepo(minioUrl(prefix), { AWS_SHARED_CREDENTIALS_FILE: s3.credentialsFile }),
    },
  ];
}

/** Removes a repository, or every one under an S3 prefix: a local directory, or the objects under the prefix. */
export async function removeRepo(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (url.startsWith('file:')) return rm(fileURLToPath(url), { recursive: true, force: true });
  const { store, prefix } = await openRepoLocation(url, { env });
  try {
    await emptyPrefix(store, prefix);
  } finally {
    await store.close();
  }
}

/** Objects and bytes under a location (a Kopia repository's, before and after its backup). */
async function usageOf(url: string, credentialsFile: string): Promise<Usage> {
  const { store, prefix } = await openRepoLocation(url, { env: { AWS_SHARED_CREDENTIALS_FILE: credentialsFile } });
  try {
    return await usage(store, prefix);
  } finally {
    await store.close();
  }
}

/** Kopia's backup of the same data into the same kinds of store, when a binary is there. */
async function kopia(ctx: BenchContext, bench: FsRecorder, data: DataSet, stores: Store[], work: string): Promise<void> {
  const bin = kopiaBinary(process.env);
  if (!bin) {
    ctx.log(`  ${data.id}: no Kopia binary (set SKIFF_BENCH_KOPIA or build one into ~/.cache/skiff/kopia/kopia): no Kopia figures`);
    return;
  }
  for (const store of stores) {
    const runs = await repeat(ctx, (r) => {
      const url = store.url(`kopia-${data.id}-${r}`);
      const where: KopiaStore = store.name === 'local' ? { kind: 'local', path: join(work, 'repos', `kopia-${data.id}-${r}`) } : { kind: 'minio', state: ctx.state, prefix: `${new URL(url).pathname.slice(1)}/` };
      return kopiaBackup(bin, where, data.dir, work, `${data.id}-${store.name}-${r}`, () => usageOf(url, ctx.state.s3.credentialsFile));
    });
    await bench.record(`${data.id}-backup-kopia`, store.name, runs, { floor: `${data.id}-floor-read/disk`, compare: `${data.id}-backup/${store.name}` });
  }
}

/** Turns the samples of one scenario into a JSON line and a summary row. */
class FsRecorder {
  readonly #ctx: BenchContext;
  /** MB/s medians by `scenario/store`, for the ratios to floors and to Kopia. */
  readonly #medians = new Map<string, { mbps: number; filesPerSec: number }>();

  constructor(ctx: BenchContext) {
    this.#ctx = ctx;
  }

  async record(scenario: string, store: string, samples: ScenarioResult[], opts: { floor?: string; compare?: string; changedBytes?: number }): Promise<void> {
    const ctx = this.#ctx;
    const bytesOf = (s: ScenarioResult): number => s.extra?.['bytes'] ?? 0;
    const mbps = samples.map((s) => bytesOf(s) / 1e6 / s.seconds);
    const fps = samples.map((s) => s.objects / s.seconds);
    const med = { mbps: median(mbps), filesPerSec: median(fps) };
    this.#medians.set(`${scenario}/${store}`, med);
    const floor = opts.floor ? this.#medians.get(opts.floor) : undefined;
    const other = opts.compare ? this.#medians.get(opts.compare) : undefined;
    const small = scenario.startsWith('f2') || scenario.includes('-small');
    const pick = (m: { mbps: number; filesPerSec: number }): number => (small ? m.filesPerSec : m.mbps);
    const extras = (key: string): number | undefined => (samples[0]?.extra?.[key] === undefined ? undefined : median(samples.map((s) => s.extra?.[key] ?? 0)));
    const goal = GOALS[scenario.replace(/-kopia$/, '')];
    const seconds = median(samples.map((s) => s.seconds));
    const maxRssMB = Math.max(...samples.map((s) => s.maxRssMB));
    const line = {
      scenario, store, runs: samples.length,
      ...headline(scenario, samples, small ? fps : mbps, small ? 'files/s' : 'MB/s'),
      mbps: round(med.mbps), filesPerSec: Math.round(med.filesPerSec), seconds: round(seconds, 2), cpuSeconds: median(samples.map((s) => s.cpuSeconds ?? 0)), maxRssMB,
      files: samples[0]?.objects, bytes: extras('bytes'), bytesRead: extras('bytesRead'), bytesUploaded: extras('bytesUploaded'), objectsWritten: extras('objectsWritten'), newBlobs: extras('newBlobs'),
      ...(opts.changedBytes !== undefined ? { changedBytes: opts.changedBytes, uploadBudget: 2 * opts.changedBytes + 5e6 } : {}),
      ...(floor ? { floor: opts.floor, ratioToFloor: round(pick(med) / pick(floor), 3) } : {}),
      ...(other ? { comparedWith: opts.compare, skiffToKopia: round(pick(other) / pick(med), 3) } : {}),
      ...(goal ? { goal, meetsGoal: meets(goal, { mbps: med.mbps, filesPerSec: med.filesPerSec, seconds, maxRssMB, micro: samples[0]?.extra, uploaded: extras('bytesUploaded'), changed: opts.changedBytes }) } : {}),
      samples, ...ctx.env, at: new Date().toISOString(),
    };
    await appendFile(ctx.resultsFile, `${JSON.stringify(line)}\n`);
    const figure = scenario === 'm1' ? microText(samples[samples.length - 1]?.extra ?? {}) : scenario.startsWith('f3') ? `${round(seconds, 2)} s` : small ? `${Math.round(med.filesPerSec)} files/s` : `${round(med.mbps)} MB/s`;
    ctx.summary.push({
      scenario: `${scenario} (${store})`,
      'median': figure,
      'vs floor': floor ? `${Math.round((pick(med) / pick(floor)) * 100)}%` : '-',
      goal: goal ? `${Object.entries(goal).map(([k, v]) => `${k}=${v}`).join(' ')} ${line.meetsGoal ? 'met' : 'MISSED'}` : '-',
      'rss MB': maxRssMB,
      'cpu s': line.cpuSeconds,
      'up MB': line.bytesUploaded !== undefined ? round(line.bytesUploaded / 1e6, 2) : '-',
      objects: line.objectsWritten ?? '-',
    });
    ctx.log(`${scenario} (${store}): ${figure}, ${round(seconds, 2)} s, peak RSS ${maxRssMB} MB${line.bytesUploaded !== undefined ? `, uploaded ${round(line.bytesUploaded / 1e6, 2)} MB in ${line.objectsWritten} objects` : ''}`);
  }
}

/** The figure a scenario is judged by: M1's rates, F3's wall time (its goal), else throughput. */
function headline(scenario: string, samples: ScenarioResult[], rates: number[], unit: string): Record<string, unknown> {
  if (scenario === 'm1') return { micro: samples[samples.length - 1]?.extra };
  const values = scenario.startsWith('f3') ? samples.map((s) => s.seconds) : rates;
  const digits = scenario.startsWith('f3') ? 2 : 1;
  return { unit: scenario.startsWith('f3') ? 's' : unit, median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits) };
}

/** Every goal met; F3 also within its upload budget (2 × the bytes changed + 5 MB). */
function meets(goal: Record<string, number>, m: { mbps: number; filesPerSec: number; seconds: number; maxRssMB: number; micro: Record<string, number> | undefined; uploaded: number | undefined; changed: number | undefined }): boolean {
  if (m.changed !== undefined && (m.uploaded ?? Infinity) > 2 * m.changed + 5e6) return false;
  return Object.entries(goal).every(([k, v]) => {
    if (k === 'minMBps') return m.mbps >= v;
    if (k === 'minFilesPerSec') return m.filesPerSec >= v;
    if (k === 'maxSeconds') return m.seconds <= v;
    if (k === 'maxRssMB') return m.maxRssMB <= v;
    return (m.micro?.[k] ?? 0) >= v;
  });
}

function microText(m: Record<string, number>): string {
  return `chunker ${m['chunkerMBps']} hmac ${m['hmacSha256MBps']} sha256 ${m['sha256MBps']} (from cache ${m['sha256CachedMBps']}) aes-gcm ${m['aesGcmMBps']} zstd(json) ${m['zstdJsonMBps']} json ${m['jsonMBps']} MB/s`;
}
