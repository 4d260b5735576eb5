/** @module kube/kubeconfig.test — file discovery, merging, context resolution and errors, against temp kubeconfigs. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { KubeConfigError, listContexts, loadKubeConfig } from './kubeconfig.ts';
import type { KubeConfigOptions } from './kubeconfig.ts';

const SECRET = 'tok-do-not-leak-8c1e';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const V1 = 'client.authentication.k8s.io/v1';
let dir: string;
/** Every KubeConfigError seen, checked at the end for leaked secrets. */
const seen: KubeConfigError[] = [];

before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-kubeconfig-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

interface Named { name: string; [k: string]: unknown }
/** Writes a kubeconfig (relative to the temp dir) and returns its absolute path. */
async function writeConfig(rel: string, cfg: { clusters?: Named[]; users?: Named[]; contexts?: Named[]; current?: string }): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  const doc: Record<string, unknown> = { apiVersion: 'v1', kind: 'Config', clusters: cfg.clusters ?? [], users: cfg.users ?? [], contexts: cfg.contexts ?? [] };
  if (cfg.current !== undefined) doc['current-context'] = cfg.current;
  await writeFile(file, stringify(doc));
  return file;
}

async function writeFileIn(rel: string, content: string, mode?: number): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content, mode !== undefined ? { mode } : {});
  return file;
}

const cluster = (name: string, server: string, extra: Record<string, unknown> = {}): Named => ({ name, cluster: { server, ...extra } });
const user = (name: string, u: Record<string, unknown>): Named => ({ name, user: u });
const context = (name: string, c: string, u?: string, extra: Record<string, unknown> = {}): Named =>
  ({ name, context: { cluster: c, ...(u ? { user: u } : {}), ...extra } });
/** Options for a single explicit kubeconfig, with an environment that has nothing else to find. */
const only = (file: string, extra: Partial<KubeConfigOptions> = {}): KubeConfigOptions =>
  ({ kubeconfig: file, env: { PATH: process.env['PATH'] }, ...extra });

async function rejectsWith(p: Promise<unknown>, reason: string, ...mentions: string[]): Promise<KubeConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KubeConfigError, `expected KubeConfigError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `message should mention ${m}: ${err.message}`);
    seen.push(err);
    return err;
  }
  assert.fail(`expected rejection with ${reason}`);
}

describe('file discovery and merging', () => {
  it('merges KUBECONFIG files: first definition and first current-context win, missing files skipped', async () => {
    const a = await writeConfig('merge/a', {
      clusters: [cluster('shared', 'https://a.example:6443'), cluster('only-a', 'https://only-a.example')],
      users: [user('u', { token: 'from-a' })],
      contexts: [context('ctx-a', 'shared', 'u'), context('ctx-shared', 'only-a', 'u')],
    });
    const b = await writeConfig('merge/b', {
      clusters: [cluster('shared', 'https://b.example:6443')],
      users: [user('u', { token: 'from-b' })],
      contexts: [context('ctx-b', 'shared', 'u'), context('ctx-shared', 'shared', 'u')],
      current: 'ctx-b',
    });
    const c = await writeConfig('merge/c', { contexts: [context('ctx-c', 'shared')], current: 'ctx-a' });
    const env = { KUBECONFIG: `${a}::${path.join(dir, 'merge/missing')}:${b}:${c}` };
    const conn = await loadKubeConfig({ env });
    assert.equal(conn.contextName, 'ctx-b', 'current-context from the first file that sets it');
    assert.equal(conn.server, 'https://a.example:6443', 'cluster from the first file that defines it');
    assert.equal(await conn.credentials.authorization(), 'Bearer from-a');
    assert.equal(conn.source, 'kubeconfig');
    const shared = await loadKubeConfig({ env, context: 'ctx-shared' });
    assert.equal(shared.server, 'https://only-a.example', 'a context is taken whole from the first file');
    assert.deepEqual(await listContexts({ env }), { names: ['ctx-a', 'ctx-b', 'ctx-c', 'ctx-shared'], current: 'ctx-b' });
  });

  it('uses an explicit --kubeconfig alone, ignoring KUBECONFIG and HOME', async () => {
    const explicit = await writeConfig('explicit/config', { clusters: [cluster('c', 'https://explicit')], contexts: [context('x', 'c')], current: 'x' });
    const other = await writeConfig('explicit/other', { clusters: [cluster('c', 'https://other')], contexts: [context('x', 'c')], current: 'x' });
    const conn = await loadKubeConfig({ kubeconfig: explicit, env: { KUBECONFIG: other, HOME: dir } });
    assert.equal(conn.server, 'https://explicit');
    assert.equal(conn.credentials.kind, 'none', 'a context without a user is anonymous');
    const missing = path.join(dir, 'explicit/missing');
    await rejectsWith(loadKubeConfig({ kubeconfig: missing, env: { KUBECONFIG: other } }), 'FileUnreadable', missing);
  });

  it('falls back to $HOME/.kube/config, and homeDir overrides HOME', async () => {
    await writeConfig('home/.kube/config', { clusters: [cluster('c', 'https://home:6443/')], contexts: [context('h', 'c')], current: 'h' });
    assert.equal((await loadKubeConfig({ env: { HOME: path.join(dir, 'home') } })).server, 'https://home:6443');
    assert.equal((await loadKubeConfig({ env: { HOME: '/nonexistent' }, homeDir: path.join(dir, 'home') })).contextName, 'h');
  });

  it('explains what was looked at when there is no configuration', async () => {
    const err = await rejectsWith(loadKubeConfig({ env: { HOME: path.join(dir, 'nohome') } }), 'NoConfig',
      '--kubeconfig', 'KUBECONFIG', '~/.kube/config', 'in-cluster', path.join(dir, 'nohome', '.kube', 'config'));
    assert.doesNotMatch(err.message, /\bat .*:\d+:\d+/, 'no stack-trace-like text');
    const missing = path.join(dir, 'nothing-here');
    await rejectsWith(loadKubeConfig({ env: { KUBECONFIG: missing, HOME: path.join(dir, 'home') } }), 'NoConfig', missing, 'not consulted');
    assert.deepEqual(await listContexts({ env: { KUBECONFIG: missing } }), { names: [] });
  });
});

describe('context selection and cluster fields', () => {
  it('honours a context override and the context namespace', async () => {
    const f = await writeConfig('ctx/config', {
      clusters: [cluster('one', 'https://one'), cluster('two', 'https://two/prefix//')],
      contexts: [context('first', 'one'), context('second', 'two', undefined, { namespace: 'team-b' })],
      current: 'first',
    });
    assert.equal((await loadKubeConfig(only(f))).server, 'https://one');
    const second = await loadKubeConfig(only(f, { context: 'second' }));
    assert.equal(second.server, 'https://two/prefix');
    assert.equal(second.namespace, 'team-b');
    assert.equal(second.contextName, 'second');
  });

  it('resolves relative paths against the directory of the file that defined each entry', async () => {
    await writeFileIn('rel1/pki/ca.pem', CA_PEM);
    await writeFileIn('rel2/certs/client.crt', 'CLIENT-CERT');
    await writeFileIn('rel2/certs/client.key', 'CLIENT-KEY');
    await writeFileIn('rel2/token', `${SECRET}\n`);
    const f1 = await writeConfig('rel1/config', {
      clusters: [cluster('c', 'https://rel', { 'certificate-authority': 'pki/ca.pem' })],
      contexts: [context('r', 'c', 'u')], current: 'r',
    });
    const f2 = await writeConfig('rel2/config', {
      users: [user('u', { 'client-certificate': 'certs/client.crt', 'client-key': 'certs/client.key', tokenFile: 'token' })],
    });
    const conn = await loadKubeConfig({ env: { KUBECONFIG: `${f1}:${f2}` } });
    assert.equal(conn.caData?.toString(), CA_PEM);
    const tls = await conn.credentials.clientTls();
    assert.equal(tls?.tls.cert.toString(), 'CLIENT-CERT');
    assert.equal(tls?.tls.key.toString(), 'CLIENT-KEY');
    assert.equal(await conn.credentials.authorization(), `Bearer ${SECRET}`);
    assert.equal(conn.credentials.kind, 'client-certificate+token-file');
  });

  it('prefers *-data fields over files', async () => {
    await writeFileIn('data/ca.pem', 'FILE-CA');
    await writeFileIn('data/c.crt', 'FILE-CERT');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const f = await writeConfig('data/config', {
      clusters: [cluster('c', 'https://data', { 'certificate-authority': 'ca.pem', 'certificate-authority-data': b64(CA_PEM), 'tls-server-name': 'api.internal', 'proxy-url': 'socks5://proxy:1080' })],
      users: [user('u', { 'client-certificate': 'c.crt', 'client-certificate-data': b64('DATA-CERT'), 'client-key-data': b64('DATA-KEY') })],
      contexts: [context('d', 'c', 'u')], current: 'd',
    });
    const conn = await loadKubeConfig(only(f));
    assert.equal(conn.caData?.toString(), CA_PEM);
    assert.equal((await conn.credentials.clientTls())?.tls.cert.toString(), 'DATA-CERT');
    assert.equal(conn.tlsServerName, 'api.internal');
    assert.equal(conn.proxyUrl, 'socks5://proxy:1080');
    assert.equal(conn.insecureSkipTLSVerify, false);
  });

  it('adds a scheme to a bare host:port like client-go', async () => {
    const f = await writeConfig('scheme/config', {
      clusters: [cluster('tls', 'localhost:6443', { 'insecure-skip-tls-verify': true }), cluster('plain', '127.0.0.1:8080')],
      contexts: [context('tls', 'tls'), context('plain', 'plain')], current: 'tls',
    });
    const tls = await loadKubeConfig(only(f));
    assert.equal(tls.server, 'https://localhost:6443');
    assert.equal(tls.insecureSkipTLSVerify, true);
    assert.equal((await loadKubeConfig(only(f, { context: 'plain' }))).server, 'http://127.0.0.1:8080');
  });
});

describe('users', () => {
  async function userConn(name: string, u: Record<string, unknown>) {
    const f = await writeConfig(`users/${name}`, { clusters: [cluster('c', 'https://u')], users: [user(name, u)], contexts: [context('x', 'c', name)], current: 'x' });
    return loadKubeConfig(only(f));
  }

  it('sends basic auth', async () => {
    const conn = await userConn('basic', { username: 'admin', password: 'pw' });
    assert.equal(await conn.credentials.authorization(), `Basic ${Buffer.from('admin:pw').toString('base64')}`);
    assert.equal(conn.credentials.kind, 'basic');
  });

  it('maps impersonation fields', async () => {
    const conn = await userConn('imp', { token: SECRET, as: 'jane', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': { scopes: ['a', 'b'] } });
    assert.deepEqual(conn.impersonate, { user: 'jane', uid: '42', groups: ['dev', 'ops'], extra: { scopes: ['a', 'b'] } });
    assert.equal((await userConn('plain', { token: SECRET })).impersonate, undefined);
  });

  it('lets a token win over exec, so the plugin never runs', async () => {
    const conn = await userConn('tok-exec', { token: SECRET, exec: { apiVersion: V1, command: 'skiff-missing-plugin' } });
    assert.equal(conn.credentials.kind, 'token');
    assert.equal(await conn.credentials.authorization(), `Bearer ${SECRET}`);
  });

  it('uses a cached auth-provider token', async () => {
    const conn = await userConn('oidc', { 'auth-provider': { name: 'oidc', config: { 'id-token': SECRET } } });
    assert.equal(await conn.credentials.authorization(), `Bearer ${SECRET}`);
    assert.equal(conn.credentials.kind, 'auth-provider:oidc');
  });

  it('runs an exec plugin from a relative path with KUBERNETES_EXEC_INFO cluster info', async () => {
    const info = path.join(dir, 'exec/info.json');
    await writeFileIn('exec/bin/plugin', `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "${info}"\n` +
      `echo '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"exec-tok"}}'\n`, 0o755);
    const f = await writeConfig('exec/config', {
      clusters: [cluster('c', 'https://exec:6443/', {
        'certificate-authority-data': Buffer.from(CA_PEM).toString('base64'), 'tls-server-name': 'sni',
        extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'skiff' } }, { name: 'other', extension: 1 }],
      })],
      users: [user('e', { exec: { apiVersion: V1, command: './bin/plugin', provideClusterInfo: true, interactiveMode: 'Never' } })],
      contexts: [context('x', 'c', 'e')], current: 'x',
    });
    const conn = await loadKubeConfig(only(f));
    assert.equal(conn.credentials.kind, 'exec:plugin');
    assert.equal(await conn.credentials.authorization(), 'Bearer exec-tok');
    assert.deepEqual(JSON.parse(await readFile(info, 'utf8')), {
      apiVersion: V1, kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://exec:6443', 'tls-server-name': 'sni',
          'certificate-authority-data': Buffer.from(CA_PEM).toString('base64'), config: { audience: 'skiff' },
        },
      },
    });
  });
});

describe('errors', () => {
  const base = { clusters: [cluster('c', 'https://e')], users: [user('u', { token: SECRET })] };

  it('ContextNotFound lists the available contexts', async () => {
    const f = await writeConfig('err/ctx', { ...base, contexts: [context('a', 'c', 'u'), context('b', 'c', 'u')], current: 'a' });
    await rejectsWith(loadKubeConfig(only(f, { context: 'nope' })), 'ContextNotFound', '"nope"', 'a, b', f);
    const g = await writeConfig('err/nocurrent', { ...base, contexts: [context('a', 'c', 'u')] });
    await rejectsWith(loadKubeConfig(only(g)), 'ContextNotFound', 'current-context', 'a');
  });

  it('ClusterNotFound and UserNotFound name the context and the missing entry', async () => {
    const f = await writeConfig('err/refs', { ...base, contexts: [context('nc', 'ghost', 'u'), context('nu', 'c', 'phantom')] });
    await rejectsWith(loadKubeConfig(only(f, { context: 'nc' })), 'ClusterNotFound', '"nc"', '"ghost"');
    await rejectsWith(loadKubeConfig(only(f, { context: 'nu' })), 'UserNotFound', '"nu"', '"phantom"');
  });

  it('FileUnreadable names the entry, the field and the path', async () => {
    const f = await writeConfig('err/files', {
      clusters: [cluster('c', 'https://e', { 'certificate-authority': 'missing-ca.pem' }), cluster('ok', 'https://ok')],
      users: [user('tf', { tokenFile: 'missing-token' })],
      contexts: [context('ca', 'c'), context('tf', 'ok', 'tf')],
    });
    await rejectsWith(loadKubeConfig(only(f, { context: 'ca' })), 'FileUnreadable', 'cluster "c"', 'certificate-authority', path.join(dir, 'err/missing-ca.pem'));
    await rejectsWith(loadKubeConfig(only(f, { context: 'tf' })), 'FileUnreadable', 'user "tf"', 'tokenFile', path.join(dir, 'err/missing-token'));
  });

  it('InvalidYaml names the file and position but never quotes it', async () => {
    const f = await writeFileIn('err/bad.yaml', `users:\n- name: u\n  user:\n    token: ${SECRET}\n   bad: [\n`);
    await rejectsWith(loadKubeConfig(only(f)), 'InvalidYaml', f, 'line');
  });

  it('InvalidConfig names the cluster and field for a bad server, and a lone client certificate', async () => {
    const f = await writeConfig('err/invalid', {
      clusters: [cluster('ftp', 'ftp://host'), cluster('none', ''), cluster('ok', 'https://ok')],
      users: [user('half', { 'client-certificate-data': Buffer.from('C').toString('base64'), token: SECRET })],
      contexts: [context('ftp', 'ftp'), context('none', 'none'), context('half', 'ok', 'half')],
    });
    await rejectsWith(loadKubeConfig(only(f, { context: 'ftp' })), 'InvalidConfig', 'cluster "ftp"', '"server"');
    await rejectsWith(loadKubeConfig(only(f, { context: 'none' })), 'InvalidConfig', 'cluster "none"', '"server"');
    await rejectsWith(loadKubeConfig(only(f, { context: 'half' })), 'InvalidConfig', 'user "half"', 'client-key');
  });

  it('UnsupportedAuthProvider suggests an exec plugin', async () => {
    const f = await writeConfig('err/ap', { ...base, users: [user('g', { 'auth-provider': { name: 'gcp', config: { 'cmd-path': 'gcloud' } } })], contexts: [context('g', 'c', 'g')], current: 'g' });
    await rejectsWith(loadKubeConfig(only(f)), 'UnsupportedAuthProvider', 'user "g"', 'gcp', 'exec');
  });

  it('ExecPluginNotFound carries the install hint', async () => {
    const f = await writeConfig('err/exec', {
      ...base,
      users: [user('x', { exec: { apiVersion: V1, command: 'skiff-missing-plugin', installHint: 'brew install skiff-plugin', env: [{ name: 'SECRET', value: SECRET }] } })],
      contexts: [context('x', 'c', 'x')], current: 'x',
    });
    const conn = await loadKubeConfig({ kubeconfig: f, env: { PATH: dir } });
    await rejectsWith(conn.credentials.authorization(), 'ExecPluginNotFound', 'skiff-missing-plugin', 'brew install skiff-plugin', 'user "x"');
  });

  it('never puts a configured token into any error message', () => {
    assert.ok(seen.length >= 10, `collected ${seen.length} errors`);
    for (const e of seen) {
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.ok(!String(e.cause ?? '').includes(SECRET), e.message);
    }
  });
});
