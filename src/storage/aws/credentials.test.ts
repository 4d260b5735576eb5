/** @module storage/aws/credentials.test: INI parsing and the order of credential sources; no secret in any message. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError } from '../errors.ts';
import { fromIni, parseIni, resolveAwsCredentials } from './credentials.ts';

const dir = await mkdtemp(join(tmpdir(), 'skiff-aws-creds-'));
after(() => rm(dir, { recursive: true, force: true }));

const ini = (id: string, secret: string, profile = 'default'): string => `[${profile}]\naws_access_key_id=${id}\naws_secret_access_key=${secret}\n`;

test('parseIni: credentials and config file sections, comments, spaces, CRLF, BOM, nested settings', () => {
  const text = '\uFEFF# comment\r\n[default]\r\naws_access_key_id = AK1 \r\n; another\r\nAWS_SECRET_ACCESS_KEY=S1=with=equals\r\n\r\n[profile backup]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 4\naws_session_token=T\n';
  const p = parseIni(text);
  assert.deepEqual([...p.keys()], ['default', 'backup']);
  assert.deepEqual(Object.fromEntries(p.get('default')!), { aws_access_key_id: 'AK1', aws_secret_access_key: 'S1=with=equals' });
  assert.deepEqual(Object.fromEntries(p.get('backup')!), { region: 'eu-west-1', s3: '', aws_session_token: 'T' });
});

test('fromIni: static keys of the profile, or a message naming what is wrong and nothing secret', () => {
  assert.deepEqual(fromIni(ini('AK', 'SECRETVALUE1'), 'default', 'x'), { accessKeyId: 'AK', secretAccessKey: 'SECRETVALUE1' });
  assert.deepEqual(fromIni(`${ini('AK', 'S')}aws_session_token=TOKEN\n`, 'default', 'x'), { accessKeyId: 'AK', secretAccessKey: 'S', sessionToken: 'TOKEN' });
  const noSecret = (pattern: RegExp) => (err: unknown): boolean => isStorageError(err, 'InvalidConfig') && pattern.test((err as Error).message) && !/SECRETVALUE/.test((err as Error).message);
  assert.throws(() => fromIni(ini('AK', 'SECRETVALUE1', 'a') + ini('AK', 'SECRETVALUE2', 'b'), 'c', 'the secret'), noSecret(/profile "c" is not in the secret \(profiles: a, b\)/));
  assert.throws(() => fromIni('', 'default', 'the secret'), noSecret(/it has no profiles/));
  assert.throws(() => fromIni('[default]\naws_access_key_id=AK\n', 'default', 'f'), noSecret(/has no aws_access_key_id and aws_secret_access_key$/));
  assert.throws(() => fromIni('[default]\nrole_arn=arn:aws:iam::1:role/r\nsource_profile=x\n', 'default', 'f'), noSecret(/uses role_arn, which Skiff does not support in credential files yet/));
});

test('resolve: the BSL credential first, then credentialsFile, AWS_SHARED_CREDENTIALS_FILE, the environment, the SDK chain', async () => {
  const fileA = join(dir, 'a');
  const fileB = join(dir, 'b');
  await writeFile(fileA, ini('FROM-A', 'sa'));
  await writeFile(fileB, ini('FROM-B', 'sb'));
  const env = { AWS_SHARED_CREDENTIALS_FILE: fileA, AWS_ACCESS_KEY_ID: 'FROM-ENV', AWS_SECRET_ACCESS_KEY: 'se' };
  const r1 = await resolveAwsCredentials({ credential: Buffer.from(ini('FROM-BSL', 's')), credentialsFile: fileB, env, profile: 'default' });
  assert.deepEqual([r1.source, r1.static?.accessKeyId], ['bsl-credential', 'FROM-BSL']);
  const r2 = await resolveAwsCredentials({ credentialsFile: fileB, env, profile: 'default' });
  assert.deepEqual([r2.source, r2.static?.accessKeyId], ['credentials-file', 'FROM-B']);
  const r3 = await resolveAwsCredentials({ env, profile: 'default' });
  assert.deepEqual([r3.source, r3.static?.accessKeyId], ['credentials-file', 'FROM-A']);
  assert.match(r3.description, /AWS_SHARED_CREDENTIALS_FILE/);
  const r4 = await resolveAwsCredentials({ env: { AWS_ACCESS_KEY_ID: 'FROM-ENV', AWS_SECRET_ACCESS_KEY: 'se', AWS_SESSION_TOKEN: 'tok' }, profile: 'default' });
  assert.deepEqual(r4.static, { accessKeyId: 'FROM-ENV', secretAccessKey: 'se', sessionToken: 'tok' });
  const r5 = await resolveAwsCredentials({ env: { AWS_ACCESS_KEY_ID: 'only-the-id' }, profile: 'default' });
  assert.deepEqual([r5.source, r5.static], ['sdk-default-chain', undefined]);
});

test('resolve: an unreadable credentials file is a config error naming the file', async () => {
  await assert.rejects(resolveAwsCredentials({ env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'missing') }, profile: 'default' }), (err: unknown) => isStorageError(err, 'InvalidConfig') && /credentials file .*missing \(AWS_SHARED_CREDENTIALS_FILE\) cannot be read: ENOENT/.test((err as Error).message));
});
