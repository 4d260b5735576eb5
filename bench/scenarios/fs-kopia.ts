/**
 * @module bench/scenarios/fs-kopia: the same F1/F2 backups by Kopia (what Velero uses), when a Kopia binary
 * is at hand: `$SKIFF_BENCH_KOPIA`, else `<skiff cache>/kopia/kopia` (optional: `go build` of the module
 * github.com/kopia/kopia). Kopia's defaults: all cores, no compression. Timed: `kopia snapshot create` alone;
 * peak RSS and CPU from /usr/bin/time; objects and bytes written from `usage` before and after.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterState } from '../../src/local-cluster/index.ts';
// The paths module itself: the package's index would load the cluster machinery (AWS SDK, Kubernetes client, undici).
import { cacheRoot } from '../../src/local-cluster/paths.ts';
import type { ScenarioResult } from '../scenario-context.ts';

export function kopiaBinary(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = [env.SKIFF_BENCH_KOPIA, join(cacheRoot(env), 'kopia', 'kopia')];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

/** Where one Kopia repository lives. */
export type KopiaStore = { kind: 'local'; path: string } | { kind: 'minio'; state: ClusterState; prefix: string };

async function exec(cmd: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`${cmd.slice(0, 4).join(' ')} … failed (exit ${code}): ${err.slice(-2000)}`);
  return out;
}

/** One Kopia backup of `dir` into a fresh repository; the figures as a scenario child would report them. */
export async function kopiaBackup(bin: string, store: KopiaStore, dir: string, work: string, id: string, usage: () => Promise<{ objects: number; bytes: number }>): Promise<ScenarioResult> {
  const base = join(work, `kopia-${id}`);
  await mkdir(base, { recursive: true });
  const env = { ...process.env, KOPIA_PASSWORD: 'bench-password', KOPIA_CHECK_FOR_UPDATES: 'false', KOPIA_PERSIST_CREDENTIALS_ON_CONNECT: 'false' };
  const common = ['--config-file', join(base, 'repository.config'), '--log-dir', join(base, 'logs')];
  const create =
    store.kind === 'local'
      ? ['repository', 'create', 'filesystem', '--path', store.path]
      : ['repository', 'create', 's3', '--bucket', store.state.s3.bucket, '--prefix', store.prefix, '--endpoint', new URL(store.state.s3.endpoint).host, '--disable-tls', '--region', store.state.s3.region, '--access-key', store.state.s3.accessKeyId, '--secret-access-key', store.state.s3.secretAccessKey];
  await exec([bin, ...create, ...common, '--cache-directory', join(base, 'cache')], env);
  const timeFile = join(base, 'time.txt');
  const before = await usage();
  const started = performance.now();
  const out = await exec(['/usr/bin/time', '-o', timeFile, '-f', '%M %U %S', bin, 'snapshot', 'create', dir, '--json', ...common], env);
  const seconds = (performance.now() - started) / 1000;
  const [rssKb, user, sys] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).slice(-3).map(Number);
  const manifest = JSON.parse(out.trim().split('\n')[0]!) as { rootEntry?: { summ?: { files?: number; size?: number } } };
  const files = manifest.rootEntry?.summ?.files ?? 0;
  const bytes = manifest.rootEntry?.summ?.size ?? 0;
  const after = await usage();
  await rm(base, { recursive: true, force: true });
  const extra = { bytes, objectsWritten: after.objects - before.objects, bytesUploaded: after.bytes - before.bytes };
  return { objects: files, seconds, cpuSeconds: Math.round(((user ?? 0) + (sys ?? 0)) * 100) / 100, maxRssMB: Math.round(((rssKb ?? 0) / 1024) * 10) / 10, extra };
}
