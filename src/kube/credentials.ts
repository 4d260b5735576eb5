/** @module kube/credentials — credential sources for API requests (token, token file, basic, client certificate, exec plugin), matching client-go. */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Stable machine-readable failure reasons; callers switch on these, so never rename one. */
export type KubeConfigErrorReason =
  | 'NoConfig' | 'ContextNotFound' | 'ClusterNotFound' | 'UserNotFound' | 'FileUnreadable'
  | 'InvalidYaml' | 'InvalidConfig' | 'UnsupportedAuthProvider' | 'ExecPluginFailed'
  | 'ExecPluginNotFound' | 'ExecPluginInteractive' | 'InvalidExecCredential' | 'InCluster';

/** Any failure to work out how to reach and authenticate to the cluster. Messages never carry secrets. */
export class KubeConfigError extends Error {
  readonly reason: KubeConfigErrorReason;
  constructor(reason: KubeConfigErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeConfigError';
    this.reason = reason;
  }
}

export interface ClientTls { cert: Buffer; key: Buffer }

export interface CredentialSource {
  /** Value of the Authorization header for the next request, or undefined. Cached; refreshed when expired. */
  authorization(): Promise<string | undefined>;
  /** Client certificate for TLS, or undefined. May change over time (exec plugins); compare `version` to know. */
  clientTls(): Promise<{ tls: ClientTls; version: number } | undefined>;
  /** The server answered 401: drop cached tokens / exec results so the next call refreshes them. */
  invalidate(): void;
  /** Short description for logs, never secret: e.g. 'token', 'token-file', 'exec:aws', 'client-certificate', 'basic', 'none'. */
  readonly kind: string;
}

/** Anonymous access: a context without a user. */
export function noCredentials(): CredentialSource {
  return { kind: 'none', authorization: async () => undefined, clientTls: async () => undefined, invalidate() {} };
}

/** A fixed bearer token (`user.token`, or an auth-provider's cached token). */
export function staticToken(token: string, kind = 'token'): CredentialSource {
  const header = `Bearer ${token}`;
  return { kind, authorization: async () => header, clientTls: async () => undefined, invalidate() {} };
}

/** `username` + `password`: HTTP Basic, as client-go's BasicAuthRoundTripper sends it. */
export function basicAuth(username: string, password: string): CredentialSource {
  const header = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return { kind: 'basic', authorization: async () => header, clientTls: async () => undefined, invalidate() {} };
}

/** A client certificate from the kubeconfig; it never changes, so its version stays 1. */
export function staticClientCert(tls: ClientTls): CredentialSource {
  const value = { tls, version: 1 };
  return { kind: 'client-certificate', authorization: async () => undefined, clientTls: async () => value, invalidate() {} };
}

/**
 * Headers from `auth`, TLS identity from `tls`. client-go applies a kubeconfig's client certificate and its
 * bearer token together (one goes into the TLS handshake, the other into the request), so we do too.
 */
export function combineCredentials(auth: CredentialSource | undefined, tls: CredentialSource | undefined): CredentialSource {
  if (!auth || !tls) return auth ?? tls ?? noCredentials();
  return {
    kind: `${tls.kind}+${auth.kind}`,
    authorization: () => auth.authorization(),
    clientTls: () => tls.clientTls(),
    invalidate() { auth.invalidate(); tls.invalidate(); },
  };
}

export interface TokenFileOptions {
  /** Names the owner in error messages, e.g. 'user "alice" (in /home/a/.kube/config) field tokenFile'. */
  describe: string;
  /** Reason for read failures: 'FileUnreadable' for kubeconfig users, 'InCluster' for the service account. */
  reason: KubeConfigErrorReason;
  /** Re-check the file at most this often; default 60 s, client-go's cachingTokenSource period. */
  refreshMs?: number;
  now?: () => number;
}

/**
 * A bearer token read from a file and re-read when it changes. Bound service-account tokens are rotated by the
 * kubelet (an atomic symlink swap), so like client-go we re-check periodically; we stat first and only re-read
 * when inode, mtime or size changed. `invalidate()` (after a 401) forces a re-read on the next call.
 */
export function tokenFileCredentials(file: string, opts: TokenFileOptions): CredentialSource {
  const refreshMs = opts.refreshMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let token: string | undefined;
  let stamp = '';
  let checkedAt = 0;
  let forced = false;
  const fail = (err: unknown, what: string): KubeConfigError =>
    new KubeConfigError(opts.reason, `${opts.describe}: cannot ${what} token file ${file}: ${errCode(err)}`, { cause: err });

  async function reload(): Promise<string> {
    const st = await stat(file).catch((err: unknown) => { throw fail(err, 'stat'); });
    const next = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (token !== undefined && next === stamp && !forced) return token;
    const text = await readFile(file, 'utf8').catch((err: unknown) => { throw fail(err, 'read'); });
    // client-go's fileTokenSource trims whitespace and rejects an empty token.
    const trimmed = text.trim();
    if (trimmed === '') throw new KubeConfigError(opts.reason, `${opts.describe}: token file ${file} is empty`);
    stamp = next;
    return trimmed;
  }

  return {
    kind: 'token-file',
    async authorization() {
      const t = now();
      if (token === undefined || forced || t - checkedAt >= refreshMs) {
        try {
          token = await reload();
        } catch (err) {
          // Like client-go, keep serving the last good token if a periodic re-read fails, unless a 401 said it is bad.
          if (token === undefined || forced) throw err;
        }
        checkedAt = t;
        forced = false;
      }
      return `Bearer ${token}`;
    },
    clientTls: async () => undefined,
    invalidate() { forced = true; },
  };
}

/**
 * Legacy auth-providers (gcp, azure, oidc) were removed from client-go; we only reuse the token they cached in
 * the kubeconfig, if it is still valid. Anything else needs the replacement exec plugin.
 */
export function authProviderCredentials(name: string, cfg: Record<string, unknown>, where: string): CredentialSource {
  const field = name === 'oidc' ? 'id-token' : 'access-token';
  const token = cfg[field];
  const expired = typeof token === 'string' && tokenExpired(token, cfg);
  if (typeof token !== 'string' || token === '' || expired) {
    throw new KubeConfigError('UnsupportedAuthProvider',
      `${where}: auth-provider "${name}" is not supported and its config has ${expired ? `an expired "${field}"` : `no "${field}"`}; ` +
      'use an exec credential plugin instead (gke-gcloud-auth-plugin for GKE, kubelogin for AKS or OIDC)');
  }
  return staticToken(token, `auth-provider:${name}`);
}

/** Expired per the provider's cached expiry (gcp `expiry`, azure `expires-on`) or the JWT's `exp` claim. */
function tokenExpired(token: string, cfg: Record<string, unknown>): boolean {
  const now = Date.now();
  if (typeof cfg['expiry'] === 'string' && Date.parse(cfg['expiry']) <= now) return true;
  if (typeof cfg['expires-on'] === 'string' && Number(cfg['expires-on']) * 1000 <= now) return true;
  const payload = token.split('.')[1];
  if (payload === undefined) return false;
  try {
    const exp: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))?.exp;
    return typeof exp === 'number' && exp * 1000 <= now;
  } catch {
    return false; // not a JWT: let the server judge it
  }
}

/** spec.cluster of KUBERNETES_EXEC_INFO (client.authentication.k8s.io Cluster), sent only with provideClusterInfo. */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  config?: unknown;
}

export interface ExecPluginConfig {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  interactiveMode?: string;
  /** Present only when the kubeconfig sets provideClusterInfo: true. */
  cluster?: ExecClusterInfo;
  /** Names the kubeconfig user in error messages. */
  user: string;
}

export interface ExecOptions {
  /** The caller's environment; the plugin gets it plus its own `env` entries, as client-go does. */
  env: Record<string, string | undefined>;
  /** Kill the plugin after this long; default 60 s. */
  timeoutMs?: number;
  now?: () => number;
}

interface ExecResult { token?: string; tls?: ClientTls; expiresAt?: number }

/** Refresh this long before the plugin's expirationTimestamp so a request never goes out with a dying token. */
const EXPIRY_MARGIN_MS = 10_000;
const STDERR_TAIL_LINES = 20;

/**
 * Credentials from an exec plugin (client.authentication.k8s.io/v1 or v1beta1), like client-go's
 * plugin/pkg/client/auth/exec: the result is cached until its expirationTimestamp (or invalidate()), and
 * concurrent callers share one plugin run.
 */
export function execCredentials(cfg: ExecPluginConfig, opts: ExecOptions): CredentialSource {
  const now = opts.now ?? Date.now;
  let cached: ExecResult | undefined;
  let inflight: Promise<ExecResult> | undefined;
  let tlsVersion = 0;
  let lastTls: ClientTls | undefined;

  function fresh(r: ExecResult | undefined): r is ExecResult {
    return r !== undefined && (r.expiresAt === undefined || now() < r.expiresAt - EXPIRY_MARGIN_MS);
  }

  async function get(): Promise<ExecResult> {
    if (fresh(cached)) return cached;
    inflight ??= runExecPlugin(cfg, opts).then((r) => {
      if (r.tls && !(lastTls && lastTls.cert.equals(r.tls.cert) && lastTls.key.equals(r.tls.key))) {
        tlsVersion += 1;
        lastTls = r.tls;
      }
      cached = r;
      return r;
    }).finally(() => { inflight = undefined; });
    return inflight;
  }

  return {
    kind: `exec:${path.basename(cfg.command)}`,
    async authorization() {
      const r = await get();
      return r.token === undefined ? undefined : `Bearer ${r.token}`;
    },
    async clientTls() {
      const r = await get();
      return r.tls && lastTls ? { tls: lastTls, version: tlsVersion } : undefined;
    },
    invalidate() { cached = undefined; },
  };
}

/** What the plugin sees in KUBERNETES_EXEC_INFO. We never give plugins a terminal, so interactive is false. */
export function execInfo(cfg: ExecPluginConfig): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (cfg.cluster) spec['cluster'] = cfg.cluster;
  return JSON.stringify({ apiVersion: cfg.apiVersion, kind: 'ExecCredential', spec });
}

function pluginName(cfg: ExecPluginConfig): string {
  return `exec plugin "${cfg.command}" for user "${cfg.user}"`;
}

async function runExecPlugin(cfg: ExecPluginConfig, opts: ExecOptions): Promise<ExecResult> {
  if (cfg.interactiveMode === 'Always') {
    throw new KubeConfigError('ExecPluginInteractive',
      `${pluginName(cfg)} has interactiveMode: Always and needs a terminal, but Skiff runs plugins without one ` +
      '(stdin is not a TTY). Log in with the plugin in a terminal first, or set interactiveMode to IfAvailable or Never.');
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  for (const { name, value } of cfg.env) env[name] = value;
  env['KUBERNETES_EXEC_INFO'] = execInfo(cfg);
  const stdout = await spawnPlugin(cfg, env, opts.timeoutMs ?? 60_000);
  return parseExecCredential(stdout, cfg);
}

function spawnPlugin(cfg: ExecPluginConfig, env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let errTail = '';
    let timedOut = false;
    // stdin is not inherited: client-go only connects it in interactive mode, which we never use.
    const child = spawn(cfg.command, cfg.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes open, delaying 'close'; give up on them now.
      child.stdout.destroy();
      child.stderr.destroy();
      reject(new KubeConfigError('ExecPluginFailed', `${pluginName(cfg)} timed out after ${timeoutMs} ms${stderrTail(errTail)}`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => { out.push(c); });
    // stderr is diagnostics, not secret; keep a bounded tail for the error message.
    child.stderr.on('data', (c: Buffer) => { errTail = (errTail + c.toString('utf8')).slice(-16_384); });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? notFound(cfg, err)
        : new KubeConfigError('ExecPluginFailed', `${pluginName(cfg)} could not be started: ${errCode(err)}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return;
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        reject(new KubeConfigError('ExecPluginFailed', `${pluginName(cfg)} ${how}${stderrTail(errTail)}`));
      } else {
        resolve(Buffer.concat(out).toString('utf8'));
      }
    });
  });
}

function notFound(cfg: ExecPluginConfig, cause: unknown): KubeConfigError {
  // client-go strips ANSI escapes from installHint; we drop all control characters but newlines.
  const hint = cfg.installHint?.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '').trim();
  return new KubeConfigError('ExecPluginNotFound',
    `${pluginName(cfg)} was not found: is it installed and on PATH?${hint ? `\n\n${hint}` : ''}`, { cause });
}

function stderrTail(text: string): string {
  const lines = text.trimEnd().split('\n').slice(-STDERR_TAIL_LINES);
  return lines.join('').trim() === '' ? ' (no stderr output)' : `; stderr:\n${lines.join('\n')}`;
}

/** Parses the plugin's stdout. stdout holds the credential, so no error here quotes it or keeps it as a cause. */
function parseExecCredential(stdout: string, cfg: ExecPluginConfig): ExecResult {
  const invalid = (what: string): KubeConfigError =>
    new KubeConfigError('InvalidExecCredential', `${pluginName(cfg)} returned an invalid ExecCredential: ${what}`);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    // V8's JSON.parse message quotes the input, so neither it nor the error may escape.
    throw invalid('its output is not JSON');
  }
  if (!isObject(doc)) throw invalid('its output is not a JSON object');
  if (doc['kind'] !== 'ExecCredential') throw invalid('kind is not ExecCredential');
  if (doc['apiVersion'] !== cfg.apiVersion) {
    const got = typeof doc['apiVersion'] === 'string' && /^[\w./-]{1,100}$/.test(doc['apiVersion']) ? `"${doc['apiVersion']}"` : 'a missing or malformed value';
    throw invalid(`the kubeconfig requested apiVersion ${cfg.apiVersion} but the plugin returned ${got}`);
  }
  const status = doc['status'];
  if (!isObject(status)) throw invalid('status is missing');
  const token = optString(status['token'], 'status.token', invalid);
  const cert = optString(status['clientCertificateData'], 'status.clientCertificateData', invalid);
  const key = optString(status['clientKeyData'], 'status.clientKeyData', invalid);
  if (!token && !cert && !key) throw invalid('it has neither status.token nor status.clientCertificateData/clientKeyData');
  if (!cert !== !key) throw invalid('it has only one of status.clientCertificateData and status.clientKeyData; both are needed');
  const result: ExecResult = {};
  if (token) result.token = token;
  if (cert && key) result.tls = { cert: Buffer.from(cert), key: Buffer.from(key) };
  const exp = optString(status['expirationTimestamp'], 'status.expirationTimestamp', invalid);
  if (exp) {
    const ms = RFC3339.test(exp) ? Date.parse(exp) : NaN;
    if (Number.isNaN(ms)) throw invalid('status.expirationTimestamp is not an RFC 3339 time');
    result.expiresAt = ms;
  }
  return result;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function optString(v: unknown, field: string, invalid: (w: string) => KubeConfigError): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${field} is not a string`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, secret-free description of a Node error (its code), for messages. */
export function errCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}
