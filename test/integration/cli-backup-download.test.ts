/** The DownloadRequest client and `backup logs` / `backup download`, against the real API server and a stand-in skiff server. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { newBackup, VeleroResources } from '../../src/api/index.ts';
import { downloadBuffer, DownloadNotFoundError, downloadJson, DownloadTimeoutError, requestDownloadUrl } from '../../src/cli/download.ts';
import { fakeDownloadServer, gz, httpFiles, setStatus, setup } from './cli-backup-helpers.ts';

function scratch(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('download helper: http:// and file:// URLs, gunzip for every kind but BackupContents, 404 and "" are not found', async (t) => {
  const { client, ns } = await setup(t);
  const dir = scratch(t);
  writeFileSync(join(dir, 'results.gz'), gz({ errors: { velero: ['boom'] } }));
  const store = await httpFiles({ 'b1/log.gz': gz('line 1\nline 2\n'), 'b1/b1.tar.gz': Buffer.from('raw tarball bytes') });
  t.after(() => store.close());
  const urls: Record<string, string> = {
    BackupLog: store.url('b1/log.gz'),
    BackupContents: store.url('b1/b1.tar.gz'),
    BackupResults: pathToFileURL(join(dir, 'results.gz')).href,
    BackupResourceList: store.url('b1/missing.json.gz'),
    BackupVolumeInfos: pathToFileURL(join(dir, 'missing.gz')).href,
    BackupItemOperations: '',
  };
  const server = await fakeDownloadServer(client, ns, (dr) => urls[dr.spec?.target.kind ?? '']);
  t.after(() => server.stop());
  const opts = { client, namespace: ns, name: 'b1', timeoutMs: 10_000 };
  assert.equal((await downloadBuffer({ ...opts, kind: 'BackupLog' })).toString(), 'line 1\nline 2\n');
  assert.equal((await downloadBuffer({ ...opts, kind: 'BackupContents' })).toString(), 'raw tarball bytes');
  assert.deepEqual(await downloadJson({ ...opts, kind: 'BackupResults' }), { errors: { velero: ['boom'] } });
  for (const kind of ['BackupResourceList', 'BackupVolumeInfos', 'BackupItemOperations'] as const) {
    await assert.rejects(downloadBuffer({ ...opts, kind }), DownloadNotFoundError, kind);
    assert.equal(await downloadJson({ ...opts, kind }), undefined);
  }
  assert.ok(server.seen.every((d) => d.spec?.target.name === 'b1' && /^b1-[0-9a-f-]{36}$/.test(d.metadata.name ?? '')));
  assert.equal((await client.list(VeleroResources.downloadRequests, { namespace: ns })).items.length, 0, 'every request was deleted');
});

test('download helper: no server answering gives a clear timeout naming the namespace, and cleans up', async (t) => {
  const { client, ns } = await setup(t);
  const started = Date.now();
  await assert.rejects(requestDownloadUrl({ client, namespace: ns, kind: 'BackupLog', name: 'b1', timeoutMs: 700 }), (err: unknown) => {
    assert.ok(err instanceof DownloadTimeoutError);
    assert.equal(
      err.message,
      `timed out after 700ms waiting for the server to process the download request for the BackupLog of "b1": is the skiff (or velero) server running in namespace "${ns}"? Check its logs; the backup storage location may not be available`,
    );
    return true;
  });
  assert.ok(Date.now() - started < 3000);
  assert.equal((await client.list(VeleroResources.downloadRequests, { namespace: ns })).items.length, 0);
  // A server that answers late still counts, as long as it is within the timeout (the watch sees it).
  const late = await fakeDownloadServer(client, ns, () => 'file:///nonexistent');
  t.after(() => late.stop());
  await assert.rejects(downloadBuffer({ client, namespace: ns, kind: 'BackupLog', name: 'b1', timeoutMs: 5000 }), DownloadNotFoundError);
});

test('backup logs: only in finished phases; streams the gunzipped log; missing backup', async (t) => {
  const env = await setup(t);
  const store = await httpFiles({ log: gz('time="x" level=info msg="backup done"\n') });
  t.after(() => store.close());
  const server = await fakeDownloadServer(env.client, env.ns, (dr) => (dr.spec?.target.kind === 'BackupLog' ? store.url('log') : ''));
  t.after(() => server.stop());
  await env.client.create(VeleroResources.backups, newBackup('b1', env.ns, {}));
  const early = await env.skiff('backup', 'logs', 'b1');
  assert.equal(early.code, 1);
  assert.equal(
    early.stderr,
    `Logs for backup "b1" are not available until it's finished processing. Please wait until the backup has a phase of Completed or Failed and try again.\n`,
  );
  await setStatus(env.client, env.ns, 'b1', { phase: 'WaitingForPluginOperations' });
  const r = await env.skiff('backup', 'logs', 'b1');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'time="x" level=info msg="backup done"\n');
  const gone = await env.skiff('backup', 'logs', 'nope');
  assert.equal(gone.stderr, 'Backup "nope" does not exist.\n');
  await server.stop();
  const slow = await env.skiff('backup', 'logs', 'b1', '--timeout', '500ms');
  assert.equal(slow.code, 1);
  assert.match(slow.stderr, /^An error occurred: timed out after 500ms waiting for the server to process the download request for the BackupLog of "b1": is the skiff \(or velero\) server running/);
});

test('backup download: the raw tarball to ./NAME-data.tar.gz, no overwrite without --force, -o', async (t) => {
  const env = await setup(t);
  const dir = scratch(t);
  const tarball = Buffer.from(gz('not really a tar, but the bytes must arrive untouched'));
  const store = await httpFiles({ 'b1.tar.gz': tarball });
  t.after(() => store.close());
  const server = await fakeDownloadServer(env.client, env.ns, (dr) => (dr.spec?.target.kind === 'BackupContents' && dr.spec.target.name === 'b1' ? store.url('b1.tar.gz') : ''));
  t.after(() => server.stop());
  await env.client.create(VeleroResources.backups, newBackup('b1', env.ns, {}));
  await env.client.create(VeleroResources.backups, newBackup('empty', env.ns, {}));
  const { run, testContext } = await import('../../src/cli/testing.ts');
  const skiffIn = (...args: string[]) => run(['-n', env.ns, ...args], testContext({ cwd: dir, env: { KUBECONFIG: env.cluster.kubeconfig } }));
  const r = await skiffIn('backup', 'download', 'b1');
  assert.equal(r.code, 0, r.stderr);
  const path = join(dir, 'b1-data.tar.gz');
  assert.equal(r.stdout, `Backup b1 has been successfully downloaded to ${path}\n`);
  assert.deepEqual(readFileSync(path), tarball);
  const again = await skiffIn('backup', 'download', 'b1');
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `An error occurred: file ${path} already exists; use --force to overwrite it\n`);
  writeFileSync(path, 'old');
  assert.equal((await skiffIn('backup', 'download', 'b1', '--force')).code, 0);
  assert.deepEqual(readFileSync(path), tarball);
  const named = await skiffIn('backup', 'download', 'b1', '-o', 'sub.tgz');
  assert.equal(named.stdout, `Backup b1 has been successfully downloaded to ${join(dir, 'sub.tgz')}\n`);
  const missing = await skiffIn('backup', 'download', 'empty');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'An error occurred: the BackupContents file of "empty" was not found in its backup storage location\n');
  assert.equal(existsSync(join(dir, 'empty-data.tar.gz')), false, 'a failed download leaves no file behind');
  const unknown = await skiffIn('backup', 'download', 'nope');
  assert.equal(unknown.stderr, 'An error occurred: backups.velero.io "nope" not found\n');
});

/** A self-signed certificate for 127.0.0.1 from the openssl CLI, or undefined when there is none. */
async function selfSigned(dir: string): Promise<{ key: string; cert: string; certFile: string } | undefined> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  } catch {
    return undefined;
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

test('download over https: an untrusted certificate fails with a hint; --cacert or --insecure-skip-tls-verify accept it', async (t) => {
  const dir = scratch(t);
  const tls = await selfSigned(dir);
  if (!tls) return t.skip('no openssl to make a certificate');
  const env = await setup(t);
  const { createServer } = await import('node:https');
  const body = gz('a log line\n');
  const server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => void res.writeHead(200).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const answering = await fakeDownloadServer(env.client, env.ns, () => `https://127.0.0.1:${port}/b1-logs.gz`);
  t.after(() => answering.stop());
  await env.client.create(VeleroResources.backups, newBackup('b1', env.ns, {}));
  await setStatus(env.client, env.ns, 'b1', { phase: 'Completed' });
  const untrusted = await env.skiff('backup', 'logs', 'b1');
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /^An error occurred: cannot verify the object store's TLS certificate: self-signed certificate\n\nUse --cacert to trust the object store's certificate authority; the --insecure-skip-tls-verify flag can also be used/);
  const trusted = await env.skiff('backup', 'logs', 'b1', '--cacert', tls.certFile);
  assert.equal(trusted.stdout, 'a log line\n', trusted.stderr);
  const insecure = await env.skiff('backup', 'logs', 'b1', '--insecure-skip-tls-verify');
  assert.equal(insecure.stdout, 'a log line\n', insecure.stderr);
  const badCa = await env.skiff('backup', 'logs', 'b1', '--cacert', join(dir, 'nope.pem'));
  assert.match(badCa.stderr, /^An error occurred: couldn't open cacert .*nope\.pem/);
});
