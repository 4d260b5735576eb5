/** @module kube/credentials.test — token file, basic, static and exec-plugin credential sources. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  KubeConfigError, authProviderCredentials, basicAuth, combineCredentials, execCredentials, noCredentials,
  staticClientCert, staticToken, tokenFileCredentials,
} from './credentials.ts';
import type { ExecPluginConfig } from './credentials.ts';

const V1 = 'client.authentication.k8s.io/v1';
const SECRET = 'sekrit-token-5f2c9';
let dir: string;
const env = { PATH: process.env['PATH'] };

before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-cred-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

let scriptCount = 0;
/** Writes an executable #!/bin/sh plugin into the temp dir and returns its path. */
async function script(body: string): Promise<string> {
  const file = path.join(dir, `plugin-${++scriptCount}.sh`);
  await writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function plugin(command: string, extra: Partial<ExecPluginConfig> = {}): ExecPluginConfig {
  return { command, args: [], env: [], apiVersion: V1, user: 'alice', ...extra };
}

/** A shell snippet printing an ExecCredential whose status is the given JSON. */
function printCred(status: string, apiVersion = V1): string {
  return `cat <<EOF\n{"apiVersion":"${apiVersion}","kind":"ExecCredential","status":${status}}\nEOF`;
}

/** A plugin that counts its runs in a file and returns token tok-<n>, expiring at `exp` if given. */
async function countingPlugin(exp?: string): Promise<{ command: string; count: () => Promise<number> }> {
  const counter = path.join(dir, `count-${++scriptCount}`);
  const expField = exp ? `,"expirationTimestamp":"${exp}"` : '';
  const command = await script(
    `n=$(cat "${counter}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${counter}"\nsleep 0.2\n` +
    printCred(`{"token":"tok-$n"${expField}}`));
  return { command, count: async () => Number((await readFile(counter, 'utf8').catch(() => '0')).trim()) };
}

async function rejectsWith(p: Promise<unknown>, reason: string): Promise<KubeConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KubeConfigError, `expected KubeConfigError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected rejection with ${reason}`);
}

describe('simple sources', () => {
  it('basic auth encodes user:password', async () => {
    const c = basicAuth('user', 'pass');
    assert.equal(await c.authorization(), 'Basic dXNlcjpwYXNz');
    assert.equal(c.kind, 'basic');
  });

  it('static token, none and client certificate', async () => {
    assert.equal(await staticToken('abc').authorization(), 'Bearer abc');
    assert.equal(await noCredentials().authorization(), undefined);
    const tls = { cert: Buffer.from('C'), key: Buffer.from('K') };
    assert.deepEqual(await staticClientCert(tls).clientTls(), { tls, version: 1 });
  });

  it('combines a client certificate with a token', async () => {
    const c = combineCredentials(staticToken('abc'), staticClientCert({ cert: Buffer.from('C'), key: Buffer.from('K') }));
    assert.equal(c.kind, 'client-certificate+token');
    assert.equal(await c.authorization(), 'Bearer abc');
    assert.equal((await c.clientTls())?.version, 1);
  });
});

describe('tokenFileCredentials', () => {
  it('re-reads a rotated token after invalidate, and by mtime after the refresh period', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, 'first\n');
    let now = 1_000_000;
    const c = tokenFileCredentials(file, { describe: 'test', reason: 'FileUnreadable', now: () => now });
    assert.equal(await c.authorization(), 'Bearer first');
    await writeFile(file, 'second');
    assert.equal(await c.authorization(), 'Bearer first', 'cached within the refresh period');
    c.invalidate();
    assert.equal(await c.authorization(), 'Bearer second');
    await writeFile(file, 'third-token');
    now += 60_000;
    assert.equal(await c.authorization(), 'Bearer third-token');
  });

  it('keeps the last token if a periodic re-read fails, but not after invalidate', async () => {
    const file = path.join(dir, 'token-vanishing');
    await writeFile(file, 'kept');
    let now = 0;
    const c = tokenFileCredentials(file, { describe: 'user "u"', reason: 'FileUnreadable', now: () => now });
    assert.equal(await c.authorization(), 'Bearer kept');
    await rm(file);
    now += 120_000;
    assert.equal(await c.authorization(), 'Bearer kept');
    c.invalidate();
    const err = await rejectsWith(c.authorization(), 'FileUnreadable');
    assert.match(err.message, /token-vanishing/);
  });

  it('rejects a missing or empty file, naming it', async () => {
    const missing = path.join(dir, 'no-token');
    const err = await rejectsWith(tokenFileCredentials(missing, { describe: 'x', reason: 'InCluster' }).authorization(), 'InCluster');
    assert.ok(err.message.includes(missing));
    const empty = path.join(dir, 'empty-token');
    await writeFile(empty, ' \n');
    await rejectsWith(tokenFileCredentials(empty, { describe: 'x', reason: 'FileUnreadable' }).authorization(), 'FileUnreadable');
  });
});

describe('execCredentials', () => {
  it('returns a bearer token from the plugin, with args and the plugin env', async () => {
    const cmd = await script(`[ "$1" = token ] || exit 9\n${printCred('{"token":"$PLUGIN_TOKEN"}')}`);
    const c = execCredentials(plugin(cmd, { args: ['token'], env: [{ name: 'PLUGIN_TOKEN', value: 'from-env' }] }), { env });
    assert.equal(c.kind, `exec:${path.basename(cmd)}`);
    assert.equal(await c.authorization(), 'Bearer from-env');
    assert.equal(await c.clientTls(), undefined);
  });

  it('passes the caller env and KUBERNETES_EXEC_INFO without a cluster by default', async () => {
    const info = path.join(dir, 'info-default.json');
    const cmd = await script(`printf '%s' "$KUBERNETES_EXEC_INFO" > "${info}"\n${printCred('{"token":"$CALLER_VAR"}', 'client.authentication.k8s.io/v1beta1')}`);
    const c = execCredentials(plugin(cmd, { apiVersion: 'client.authentication.k8s.io/v1beta1' }), { env: { ...env, CALLER_VAR: 'cv' } });
    assert.equal(await c.authorization(), 'Bearer cv');
    assert.deepEqual(JSON.parse(await readFile(info, 'utf8')), {
      apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: { interactive: false },
    });
  });

  it('returns a client certificate whose version changes only when the certificate does', async () => {
    const counter = path.join(dir, 'cert-count');
    const past = '2001-01-01T00:00:00Z';
    const cmd = await script(
      `n=$(cat "${counter}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${counter}"\n` +
      `c=CERT; [ $n -ge 3 ] && c=CERT-NEW\n` +
      printCred(`{"clientCertificateData":"$c","clientKeyData":"KEY","expirationTimestamp":"${past}"}`));
    const c = execCredentials(plugin(cmd), { env });
    const first = await c.clientTls();
    assert.equal(first?.tls.cert.toString(), 'CERT');
    assert.equal(first?.tls.key.toString(), 'KEY');
    assert.equal(first?.version, 1);
    assert.equal((await c.clientTls())?.version, 1, 'run 2: same certificate, same version');
    const third = await c.clientTls();
    assert.equal(third?.tls.cert.toString(), 'CERT-NEW');
    assert.equal(third?.version, 2);
    assert.equal(await c.authorization(), undefined);
  });

  it('shares one run between concurrent callers and caches until invalidate', async () => {
    const p = await countingPlugin();
    const c = execCredentials(plugin(p.command), { env });
    const all = await Promise.all([c.authorization(), c.authorization(), c.clientTls(), c.authorization()]);
    assert.deepEqual(all, ['Bearer tok-1', 'Bearer tok-1', undefined, 'Bearer tok-1']);
    assert.equal(await c.authorization(), 'Bearer tok-1');
    assert.equal(await p.count(), 1);
    c.invalidate();
    assert.equal(await c.authorization(), 'Bearer tok-2');
    assert.equal(await p.count(), 2);
  });

  it('caches until expirationTimestamp, refreshing about 10 s early', async () => {
    const future = await countingPlugin(new Date(Date.now() + 3_600_000).toISOString());
    const cf = execCredentials(plugin(future.command), { env });
    await cf.authorization();
    await cf.authorization();
    assert.equal(await future.count(), 1);

    const past = await countingPlugin('2001-01-01T00:00:00+00:00');
    const cp = execCredentials(plugin(past.command), { env });
    assert.equal(await cp.authorization(), 'Bearer tok-1');
    assert.equal(await cp.authorization(), 'Bearer tok-2');
    assert.equal(await past.count(), 2);

    const soon = await countingPlugin(new Date(Date.now() + 5_000).toISOString());
    const cs = execCredentials(plugin(soon.command), { env });
    await cs.authorization();
    await cs.authorization();
    assert.equal(await soon.count(), 2, 'a token expiring within the margin is refreshed');
  });

  it('reports a non-zero exit with the code and the stderr tail, never stdout', async () => {
    const cmd = await script(`echo "${SECRET}"\ni=1; while [ $i -le 30 ]; do echo "err line $i" >&2; i=$((i+1)); done\nexit 3`);
    const err = await rejectsWith(execCredentials(plugin(cmd), { env }).authorization(), 'ExecPluginFailed');
    assert.match(err.message, /exited with code 3/);
    assert.match(err.message, /err line 30/);
    assert.match(err.message, /err line 11\n/);
    assert.doesNotMatch(err.message, /err line 10\n/);
    assert.ok(!err.message.includes(SECRET));
  });

  it('rejects a wrong apiVersion and unparsable output without quoting stdout', async () => {
    const wrong = await script(printCred(`{"token":"${SECRET}"}`, 'client.authentication.k8s.io/v1beta1'));
    const e1 = await rejectsWith(execCredentials(plugin(wrong), { env }).authorization(), 'InvalidExecCredential');
    assert.match(e1.message, /v1beta1/);
    const garbage = await script(`echo 'token: ${SECRET}'`);
    const e2 = await rejectsWith(execCredentials(plugin(garbage), { env }).authorization(), 'InvalidExecCredential');
    const halfCert = await script(printCred('{"clientCertificateData":"C"}'));
    const e3 = await rejectsWith(execCredentials(plugin(halfCert), { env }).clientTls(), 'InvalidExecCredential');
    const badExp = await script(printCred(`{"token":"${SECRET}","expirationTimestamp":"tomorrow"}`));
    const e4 = await rejectsWith(execCredentials(plugin(badExp), { env }).clientTls(), 'InvalidExecCredential');
    for (const e of [e1, e2, e3, e4]) {
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.ok(!String(e.cause ?? '').includes(SECRET));
    }
  });

  it('reports a missing command with the install hint', async () => {
    const cfg = plugin('skiff-no-such-plugin', { installHint: 'Install it with \x1b[1mbrew install it\x1b[0m' });
    const err = await rejectsWith(execCredentials(cfg, { env: { PATH: dir } }).authorization(), 'ExecPluginNotFound');
    assert.match(err.message, /skiff-no-such-plugin/);
    assert.match(err.message, /user "alice"/);
    assert.match(err.message, /Install it with brew install it/);
  });

  it('times out a hanging plugin', async () => {
    const cmd = await script('sleep 3; echo never');
    const err = await rejectsWith(execCredentials(plugin(cmd), { env, timeoutMs: 200 }).authorization(), 'ExecPluginFailed');
    assert.match(err.message, /timed out/);
  });

  it('refuses interactiveMode Always, since stdin is not a terminal', async () => {
    const p = await countingPlugin();
    const err = await rejectsWith(
      execCredentials(plugin(p.command, { interactiveMode: 'Always' }), { env }).authorization(), 'ExecPluginInteractive');
    assert.match(err.message, /terminal/);
    assert.equal(await p.count(), 0);
  });
});

describe('authProviderCredentials', () => {
  const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.${SECRET}`;

  it('uses a cached oidc id-token or access-token', async () => {
    const live = jwt(Math.floor(Date.now() / 1000) + 3600);
    assert.equal(await authProviderCredentials('oidc', { 'id-token': live }, 'user "u"').authorization(), `Bearer ${live}`);
    const gcp = authProviderCredentials('gcp', { 'access-token': 'ya29', expiry: '2999-01-01T00:00:00Z' }, 'user "u"');
    assert.equal(gcp.kind, 'auth-provider:gcp');
    assert.equal(await gcp.authorization(), 'Bearer ya29');
  });

  it('rejects missing or expired tokens, suggesting an exec plugin', () => {
    for (const [name, cfg] of [['gcp', {}], ['oidc', { 'id-token': jwt(1000) }], ['gcp', { 'access-token': SECRET, expiry: '2001-01-01T00:00:00Z' }]] as const) {
      try {
        authProviderCredentials(name, cfg, 'user "u"');
        assert.fail('expected an error');
      } catch (err) {
        assert.ok(err instanceof KubeConfigError);
        assert.equal(err.reason, 'UnsupportedAuthProvider');
        assert.match(err.message, /exec credential plugin/);
        assert.match(err.message, new RegExp(`auth-provider "${name}"`));
        assert.ok(!err.message.includes(SECRET));
      }
    }
  });
});
