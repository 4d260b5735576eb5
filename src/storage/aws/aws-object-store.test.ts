/** @module storage/aws/aws-object-store.test: construction, signing and TLS of the aws provider against loopback servers (MinIO tests live in test/integration). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isStorageError } from '../errors.ts';
import { AwsObjectStore, CUSTOM_ENDPOINT_DEFAULT_REGION } from './aws-object-store.ts';

const dir = await mkdtemp(join(tmpdir(), 'skiff-aws-store-'));
after(() => rm(dir, { recursive: true, force: true }));
const credential = '[default]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=not-a-real-secret-key\n';

test('a custom s3Url without region signs for us-east-1; no request is made to build the store', async () => {
  const store = await AwsObjectStore.create({ bucket: 'b', config: { s3Url: 'http://127.0.0.1:1', s3ForcePathStyle: 'true' }, credential, env: {} });
  try {
    assert.equal(store.region, CUSTOM_ENDPOINT_DEFAULT_REGION);
    assert.equal(store.credentialSource, 'bsl-credential');
    const url = new URL(await store.createSignedUrl('backups/a b/x.tar.gz', 600_000));
    assert.equal(url.origin, 'http://127.0.0.1:1');
    assert.equal(url.pathname, '/b/backups/a%20b/x.tar.gz');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '600');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /^AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    assert.equal(url.searchParams.get('x-amz-checksum-mode'), null, 'no checksum mode in a download URL');
  } finally {
    await store.close();
  }
});

test('publicUrl is used for signing only; the configured region is kept', async () => {
  const store = await AwsObjectStore.create({ bucket: 'b', config: { region: 'eu-central-1', s3Url: 'http://minio.velero.svc:9000', publicUrl: 'https://minio.example.com/', s3ForcePathStyle: 'true' }, credential, env: {} });
  try {
    const url = new URL(await store.createSignedUrl('k', 60_000));
    assert.equal(url.origin, 'https://minio.example.com');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /\/eu-central-1\/s3\//);
    await assert.rejects(store.createSignedUrl('k', 500), (err: unknown) => isStorageError(err, 'InvalidArgument'));
  } finally {
    await store.close();
  }
});

test('upload tuning is validated', async () => {
  const base = { bucket: 'b', config: { s3Url: 'http://127.0.0.1:1' }, credential, env: {} };
  await assert.rejects(AwsObjectStore.create({ ...base, partSize: 1024 }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /at least 5 MiB/.test((err as Error).message));
  await assert.rejects(AwsObjectStore.create({ ...base, queueSize: 0 }), (err: unknown) => isStorageError(err, 'InvalidConfig'));
  await assert.rejects(AwsObjectStore.create({ ...base, caCert: 'not a certificate' }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /not a PEM/.test((err as Error).message));
});

/** A self-signed certificate for 127.0.0.1 from the openssl CLI, or undefined when there is none. */
async function selfSigned(): Promise<{ cert: string; key: string } | undefined> {
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  } catch {
    return undefined;
  }
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** Answers every HEAD with 200 (an object exists) and anything else with 404. */
async function fakeS3(tls: { cert: string; key: string }): Promise<{ url: string; server: Server }> {
  const server = createServer(tls, (req, res) => {
    res.writeHead(req.method === 'HEAD' ? 200 : 404, { 'content-length': '0' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('TLS: a private CA is trusted through caCert, or verification is skipped with insecureSkipTLSVerify', async (t) => {
  const tls = await selfSigned();
  if (!tls) return t.skip('no openssl to make a certificate');
  const { url, server } = await fakeS3(tls);
  t.after(() => new Promise((r) => server.close(r)));
  const open = (config: Record<string, string>, caCert?: string): Promise<AwsObjectStore> =>
    AwsObjectStore.create({ bucket: 'b', config: { s3Url: url, s3ForcePathStyle: 'true', ...config }, credential, env: {}, maxAttempts: 1, ...(caCert ? { caCert } : {}) });
  const untrusted = await open({});
  await assert.rejects(untrusted.objectExists('k'), (err: unknown) => isStorageError(err, 'TLS') && /TLS connection failed at https:\/\/127\.0\.0\.1/.test((err as Error).message));
  await untrusted.close();
  for (const store of [await open({}, tls.cert), await open({ caCert: tls.cert }), await open({ insecureSkipTLSVerify: 'true' })]) {
    assert.equal(await store.objectExists('k'), true);
    await store.close();
  }
});
