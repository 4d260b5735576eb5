/** @module local-cluster/build: build the control-plane binaries from Go modules into a stamped cache. */
import { spawn } from 'node:child_process';
import { access, constants, copyFile, mkdir, readFile, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { BINARIES, KUBE_COMMANDS, KWOK_STAGES, PINS, RECIPE_VERSION, cacheStamp, type BinaryName } from './versions.ts';
import { cacheRoot, type Env } from './paths.ts';
import { ClusterError, logTail } from './errors.ts';
import { withDirLock } from './lock.ts';

export interface BinarySet {
  dir: string;
  stamp: string;
  prebuilt: boolean;
  /** A multi-document YAML of kwok's stages (node initialise/heartbeat, pod ready/complete/delete). */
  kwokStages: string;
  path(name: BinaryName): string;
}

export interface EnsureOptions {
  env: Env;
  /** Progress lines for a human ("building etcd v3.6.5 … 45 s"). */
  log?: (line: string) => void;
}

const STAMP_FILE = 'stamp.json';

/**
 * Returns the binaries, building them first when the cache for the current pins is empty.
 * SKIFF_CLUSTER_BIN_DIR points at prebuilt binaries instead (nothing is built then).
 */
export async function ensureBinaries(opts: EnsureOptions): Promise<BinarySet> {
  const log = opts.log ?? (() => undefined);
  const prebuilt = opts.env.SKIFF_CLUSTER_BIN_DIR;
  if (prebuilt) return usePrebuilt(prebuilt, opts);
  const stamp = cacheStamp();
  const dir = join(cacheRoot(opts.env), 'control-plane', stamp);
  if (await isComplete(dir)) return binarySet(dir, stamp, false);
  return withDirLock(`${dir}.lock`, log, async () => {
    if (await isComplete(dir)) return binarySet(dir, stamp, false); // another process built it meanwhile
    await buildAll(dir, stamp, opts.env, log);
    return binarySet(dir, stamp, false);
  });
}

async function usePrebuilt(dir: string, opts: EnsureOptions): Promise<BinarySet> {
  const missing: string[] = [];
  for (const name of BINARIES) if (!(await isExecutable(join(dir, name)))) missing.push(name);
  if (missing.length > 0) {
    throw new ClusterError('MissingBinary', `SKIFF_CLUSTER_BIN_DIR=${dir} lacks executable ${missing.join(', ')}; unset it to build them from Go modules`);
  }
  let stagesDir = dir;
  if (!(await exists(join(dir, 'kwok-stages.yaml')))) {
    // The stage manifests ship inside kwok's Go module; fetch them once into the cache.
    stagesDir = join(cacheRoot(opts.env), 'control-plane', `kwok-stages-${PINS.kwok}`);
    if (!(await exists(join(stagesDir, 'kwok-stages.yaml')))) {
      await mkdir(stagesDir, { recursive: true });
      await copyKwokStages(stagesDir, goEnv(opts.env), join(stagesDir, 'fetch.log'));
    }
  }
  return { ...binarySet(dir, 'prebuilt', true), kwokStages: join(stagesDir, 'kwok-stages.yaml') };
}

function binarySet(dir: string, stamp: string, prebuilt: boolean): BinarySet {
  const bin = prebuilt ? dir : join(dir, 'bin');
  return { dir, stamp, prebuilt, kwokStages: join(dir, 'kwok-stages.yaml'), path: (name) => join(bin, name) };
}

async function isComplete(dir: string): Promise<boolean> {
  if (!(await exists(join(dir, STAMP_FILE)))) return false;
  for (const name of BINARIES) if (!(await isExecutable(join(dir, 'bin', name)))) return false;
  return exists(join(dir, 'kwok-stages.yaml'));
}

async function buildAll(dir: string, stamp: string, env: Env, log: (line: string) => void): Promise<void> {
  const root = join(cacheRoot(env), 'control-plane');
  const staging = `${dir}.building-${process.pid}`;
  const work = join(root, 'work', stamp);
  const logFile = join(root, `build-${stamp}.log`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'bin'), { recursive: true });
  await mkdir(work, { recursive: true });
  await writeFile(logFile, `# Skiff control-plane build ${stamp} at ${new Date().toISOString()}\n`);
  const genv = goEnv(env);
  const goVersion = await checkGo(genv, logFile);
  log(`Building the local control plane (${goVersion}; first run only, up to 15 minutes on 2 cores with an empty Go cache; log: ${logFile})`);
  const timings: Record<string, number> = {};
  const step = async (label: string, fn: () => Promise<void>): Promise<void> => {
    const started = Date.now();
    log(`  ${label} …`);
    await appendFile(logFile, `\n## ${label}\n`);
    await fn();
    timings[label] = Math.round((Date.now() - started) / 1000);
    log(`  ${label}: ${timings[label]} s`);
  };
  const bin = join(staging, 'bin');
  await step(`Kubernetes ${PINS.kubernetes} (${KUBE_COMMANDS.join(', ')})`, () => buildKubernetes(join(work, 'kubernetes'), bin, genv, logFile));
  await step(`etcd ${PINS.etcd}`, () => buildEtcd(join(work, 'etcd'), bin, genv, logFile));
  await step(`kwok ${PINS.kwok}`, () => goInstall(`sigs.k8s.io/kwok/cmd/kwok@${PINS.kwok}`, work, bin, genv, logFile));
  await step(`MinIO ${PINS.minio}`, () => goInstall(`github.com/minio/minio@${PINS.minio}`, work, bin, genv, logFile));
  await copyKwokStages(staging, genv, logFile);
  const info = { stamp, recipe: RECIPE_VERSION, pins: PINS, go: goVersion, builtAt: new Date().toISOString(), seconds: timings };
  await writeFile(join(staging, STAMP_FILE), `${JSON.stringify(info, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  log(`Local control plane built in ${Object.values(timings).reduce((a, b) => a + b, 0)} s`);
}

/** A wrapper module: k8s.io/kubernetes maps its staging modules to ./staging, which only works in its own repo. */
async function buildKubernetes(work: string, bin: string, env: Env, logFile: string): Promise<void> {
  await mkdir(work, { recursive: true });
  const info = JSON.parse(await goOutput(['mod', 'download', '-json', `k8s.io/kubernetes@${PINS.kubernetes}`], work, env, logFile)) as { Dir?: string; GoMod?: string };
  const upstream = await readFile(info.GoMod ?? join(info.Dir ?? '', 'go.mod'), 'utf8');
  await writeFile(join(work, 'go.mod'), kubernetesWrapperGoMod(upstream));
  await rm(join(work, 'go.sum'), { force: true });
  const pkgs = KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`);
  await runGo(['get', ...pkgs.map((p) => `${p}@${PINS.kubernetes}`)], work, env, logFile);
  await runGo(['build', '-trimpath', '-ldflags', kubernetesLdflags(), '-o', `${bin}/`, ...pkgs], work, env, logFile);
}

/** The wrapper's go.mod: upstream's go and godebug lines, and each staging module at its published tag. */
export function kubernetesWrapperGoMod(upstream: string): string {
  const lines = upstream.split('\n');
  const goLine = lines.find((l) => /^go \d/.test(l)) ?? 'go 1.24.0';
  const godebug: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^godebug \(/.test(l)) {
      for (let j = i; j < lines.length; j++) {
        godebug.push(lines[j]!);
        if (lines[j]!.trim() === ')') break;
      }
    } else if (/^godebug \S/.test(l)) godebug.push(l);
  }
  const staging = [...upstream.matchAll(/^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\//gm)].map((m) => m[1]!);
  if (staging.length === 0) throw new ClusterError('BuildFailed', 'k8s.io/kubernetes go.mod has no staging replace lines: the build recipe needs updating');
  const replaces = [...new Set(staging)].sort().map((m) => `\t${m} => ${m} ${PINS.kubernetesStaging}`);
  return ['module skiff.local/control-plane/kubernetes', '', goLine, '', ...godebug, '', 'replace (', ...replaces, ')', ''].join('\n');
}

/** Without these the binaries report v0.0.0 and discovery's version checks fail. */
function kubernetesLdflags(): string {
  const [major, minor] = PINS.kubernetes.replace(/^v/, '').split('.');
  const vars = { gitVersion: PINS.kubernetes, gitMajor: major, gitMinor: minor, gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z' };
  const sets = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
    Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`),
  );
  return ['-s', '-w', ...sets].join(' ');
}

/** etcd's server module has replace lines of its own, so `go install` refuses it; a wrapper needs none. */
async function buildEtcd(work: string, bin: string, env: Env, logFile: string): Promise<void> {
  await mkdir(work, { recursive: true });
  await writeFile(join(work, 'go.mod'), 'module skiff.local/control-plane/etcd\n\ngo 1.24\n');
  await rm(join(work, 'go.sum'), { force: true });
  await runGo(['get', `go.etcd.io/etcd/server/v3@${PINS.etcd}`], work, env, logFile);
  await runGo(['build', '-trimpath', '-ldflags', '-s -w', '-o', join(bin, 'etcd'), 'go.etcd.io/etcd/server/v3'], work, env, logFile);
}

async function goInstall(target: string, cwd: string, bin: string, env: Env, logFile: string): Promise<void> {
  await runGo(['install', '-trimpath', '-ldflags', '-s -w', target], cwd, { ...env, GOBIN: bin }, logFile);
}

async function copyKwokStages(dest: string, env: Env, logFile: string): Promise<void> {
  const info = JSON.parse(await goOutput(['mod', 'download', '-json', `sigs.k8s.io/kwok@${PINS.kwok}`], dest, env, logFile)) as { Dir: string };
  const docs: string[] = [];
  for (const stage of KWOK_STAGES) {
    const file = join(info.Dir, 'kustomize', 'stage', stage);
    docs.push((await readFile(file, 'utf8')).trim());
    await mkdir(join(dest, 'kwok-stages'), { recursive: true });
    await copyFile(file, join(dest, 'kwok-stages', stage.replaceAll('/', '_')));
  }
  await writeFile(join(dest, 'kwok-stages.yaml'), `${docs.join('\n---\n')}\n`);
}

/** The Go environment: never fetch another toolchain, static binaries, no VCS stamping, no workspace. */
function goEnv(env: Env): Env {
  return { ...env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false', GOWORK: 'off', GO111MODULE: 'on' };
}

async function checkGo(env: Env, logFile: string): Promise<string> {
  try {
    return (await goOutput(['version'], undefined, env, logFile)).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ClusterError(
        'NoGo',
        'Go is not installed, and the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, MinIO) is built from Go modules.\n' +
          '  Install Go 1.24 or newer (https://go.dev/dl, or your package manager) and put `go` on PATH,\n' +
          '  or set SKIFF_CLUSTER_BIN_DIR to a directory holding prebuilt binaries: ' + BINARIES.join(', '),
      );
    }
    throw err;
  }
}

function runGo(args: string[], cwd: string | undefined, env: Env, logFile: string): Promise<void> {
  return goProcess(args, cwd, env, logFile, false).then(() => undefined);
}

function goOutput(args: string[], cwd: string | undefined, env: Env, logFile: string): Promise<string> {
  return goProcess(args, cwd, env, logFile, true);
}

function goProcess(args: string[], cwd: string | undefined, env: Env, logFile: string, capture: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ go ${args.join(' ')}\n`);
    const child = spawn('go', args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (capture ? (stdout += c.toString()) : out.write(c)));
    child.stderr.on('data', (c: Buffer) => out.write(c));
    child.on('error', (err) => out.end(() => reject(err)));
    child.on('close', (code) => {
      out.end(async () => {
        if (code === 0) return resolve(stdout);
        const tail = await logTail(logFile, 30);
        reject(new ClusterError('BuildFailed', `go ${args.slice(0, 3).join(' ')} failed (exit ${code}); the end of ${logFile}:\n${tail}`, { logFile }));
      });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}
