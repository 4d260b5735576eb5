/** Unit tests for local-cluster/build: the no-Go and failed-build messages, prebuilt binaries, the wrapper go.mod. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, kubernetesWrapperGoMod } from './build.ts';
import { ClusterError } from './errors.ts';
import { BINARIES, PINS } from './versions.ts';

async function scratch(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-build-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function script(path: string, body: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}

test('without Go, the error says what to install and how to avoid building', async (t) => {
  const dir = await scratch(t);
  const env = { PATH: join(dir, 'empty-bin'), HOME: dir, SKIFF_CACHE_DIR: join(dir, 'cache') };
  await assert.rejects(ensureBinaries({ env }), (err: unknown) => {
    assert.ok(err instanceof ClusterError);
    assert.equal(err.reason, 'NoGo');
    assert.match(err.message, /Install Go 1\.24 or newer/);
    assert.match(err.message, /SKIFF_CLUSTER_BIN_DIR/);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace in the message');
    return true;
  });
});

test('a failed build reports the end of its log, not a stack trace', async (t) => {
  const dir = await scratch(t);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // A `go` that knows its version but cannot download anything.
  await script(join(bin, 'go'), 'if [ "$1" = version ]; then echo "go version go1.26.0 linux/amd64"; exit 0; fi\necho "verifying module: k8s.io/kubernetes: 403 Forbidden" >&2\nexit 1');
  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, SKIFF_CACHE_DIR: join(dir, 'cache') };
  const lines: string[] = [];
  await assert.rejects(ensureBinaries({ env, log: (l) => lines.push(l) }), (err: unknown) => {
    assert.ok(err instanceof ClusterError);
    assert.equal(err.reason, 'BuildFailed');
    assert.match(err.message, /go mod download .*failed \(exit 1\)/);
    assert.match(err.message, /403 Forbidden/);
    assert.ok(err.logFile?.startsWith(join(dir, 'cache')));
    return true;
  });
  assert.ok(lines.some((l) => l.includes('Building the local control plane')));
});

test('SKIFF_CLUSTER_BIN_DIR uses prebuilt binaries and names the missing ones', async (t) => {
  const dir = await scratch(t);
  const env = { PATH: '/usr/bin:/bin', HOME: dir, SKIFF_CACHE_DIR: join(dir, 'cache'), SKIFF_CLUSTER_BIN_DIR: dir };
  await script(join(dir, 'etcd'), 'exit 0');
  await assert.rejects(ensureBinaries({ env }), (err: unknown) => {
    assert.ok(err instanceof ClusterError && err.reason === 'MissingBinary');
    assert.match(err.message, /kube-apiserver/);
    assert.doesNotMatch(err.message, /lacks executable etcd/);
    return true;
  });
  for (const name of BINARIES) await script(join(dir, name), 'exit 0');
  await writeFile(join(dir, 'kwok-stages.yaml'), 'kind: Stage\n');
  const set = await ensureBinaries({ env });
  assert.equal(set.prebuilt, true);
  assert.equal(set.path('kube-apiserver'), join(dir, 'kube-apiserver'));
  assert.equal(set.kwokStages, join(dir, 'kwok-stages.yaml'));
});

test("the Kubernetes wrapper go.mod keeps upstream's go and godebug lines and pins every staging module", () => {
  const upstream = [
    'module k8s.io/kubernetes',
    '',
    'go 1.24.0',
    '',
    'godebug default=go1.24',
    '',
    'require (',
    '\tk8s.io/api v0.0.0',
    ')',
    '',
    'replace (',
    '\tk8s.io/api => ./staging/src/k8s.io/api',
    '\tk8s.io/client-go => ./staging/src/k8s.io/client-go',
    '\tk8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-2025',
    ')',
  ].join('\n');
  const out = kubernetesWrapperGoMod(upstream);
  assert.match(out, /^go 1\.24\.0$/m);
  assert.match(out, /^godebug default=go1\.24$/m);
  assert.match(out, new RegExp(`^\\tk8s\\.io/api => k8s\\.io/api ${PINS.kubernetesStaging}$`, 'm'));
  assert.match(out, new RegExp(`^\\tk8s\\.io/client-go => k8s\\.io/client-go ${PINS.kubernetesStaging}$`, 'm'));
  assert.doesNotMatch(out, /kube-openapi/, 'only ./staging replaces are rewritten');
  assert.throws(() => kubernetesWrapperGoMod('module x\n\ngo 1.24\n'), /no staging replace lines/);
});
