/** @module kube/kubeconfig — find, merge and resolve kubeconfig files into a cluster connection, like kubectl/client-go. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import {
  KubeConfigError, authProviderCredentials, basicAuth, combineCredentials, errCode, execCredentials, noCredentials, staticClientCert,
  staticToken, tokenFileCredentials,
} from './credentials.ts';
import type { CredentialSource, ExecClusterInfo } from './credentials.ts';
import { inClusterPossible, loadInClusterConfig } from './in-cluster.ts';

export { KubeConfigError } from './credentials.ts';
export type { CredentialSource, ClientTls, KubeConfigErrorReason } from './credentials.ts';

export interface KubeConfigOptions {
  kubeconfig?: string;          // explicit path (--kubeconfig); when set, KUBECONFIG is ignored, as kubectl does
  context?: string;             // --kubecontext; default: current-context
  env: Record<string, string | undefined>;   // the environment (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT)
  homeDir?: string;             // default: env.HOME
  inClusterRoot?: string;       // default '/var/run/secrets/kubernetes.io/serviceaccount' (tests override)
  execTimeoutMs?: number;       // exec credential plugin timeout; default 60 s
}

export interface ClusterConnection {
  server: string;               // e.g. 'https://127.0.0.1:6443' or with a path prefix; no trailing slash
  caData?: Buffer;              // PEM bundle (from certificate-authority-data, or the certificate-authority file read)
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  namespace?: string;           // the context's default namespace, if any (in-cluster: the namespace file)
  contextName?: string;
  source: 'kubeconfig' | 'in-cluster';
  impersonate?: { user?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  credentials: CredentialSource;
}

type Obj = Record<string, unknown>;
/** A named cluster/user/context with the file that defined it (client-go's LocationOfOrigin). */
interface Entry { name: string; value: Obj; file: string }
interface Merged {
  files: string[];
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  current?: string;
}
/** What was looked at, for the NoConfig message. */
interface Search { merged?: Merged; looked: string[] }

export async function loadKubeConfig(opts: KubeConfigOptions): Promise<ClusterConnection> {
  const { merged, looked } = await loadMerged(opts);
  if (!merged) {
    // client-go's DeferredLoadingClientConfig falls back to in-cluster only when no kubeconfig gave anything.
    if (inClusterPossible(opts.env)) {
      return loadInClusterConfig({ env: opts.env, ...(opts.inClusterRoot !== undefined ? { root: opts.inClusterRoot } : {}) });
    }
    looked.push('in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
    throw new KubeConfigError('NoConfig',
      `no Kubernetes configuration found. Looked at:\n  ${looked.join('\n  ')}\n` +
      'Pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config.');
  }
  const context = selectContext(merged, opts.context);
  return connectionFor(merged, context, opts);
}

/** Lists contexts of the merged config (for completion and error messages). */
export async function listContexts(opts: KubeConfigOptions): Promise<{ names: string[]; current?: string }> {
  const { merged } = await loadMerged(opts);
  if (!merged) return { names: [] };
  const names = [...merged.contexts.keys()].sort();
  return merged.current !== undefined ? { names, current: merged.current } : { names };
}

// ---- finding and merging files ----

async function loadMerged(opts: KubeConfigOptions): Promise<Search> {
  const explicit = opts.kubeconfig !== undefined && opts.kubeconfig !== '';
  // filepath.SplitList drops empty entries; a file listed twice is loaded once.
  const envFiles = [...new Set((opts.env['KUBECONFIG'] ?? '').split(':').filter((f) => f !== '').map((f) => path.resolve(f)))];
  const home = opts.homeDir ?? opts.env['HOME'];
  // client-go's precedence: an explicit path alone, else the KUBECONFIG list, else ~/.kube/config.
  const files = explicit ? [path.resolve(opts.kubeconfig ?? '')]
    : envFiles.length > 0 ? envFiles
    : home ? [path.join(home, '.kube', 'config')] : [];
  const merged: Merged = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  const status = new Map<string, string>();
  for (const file of files) {
    const doc = await readConfigFile(file, explicit);
    status.set(file, doc === undefined ? 'not found' : 'empty');
    if (doc !== undefined) mergeFile(merged, doc, file);
  }
  const empty = merged.clusters.size + merged.users.size + merged.contexts.size === 0 && merged.current === undefined;
  if (!empty) return { merged, looked: [] };
  const list = (fs: string[]) => fs.map((f) => `${f} (${status.get(f) ?? 'not found'})`).join(', ');
  const looked = [
    `--kubeconfig: ${explicit ? list(files) : 'not given'}`,
    `KUBECONFIG: ${explicit ? 'ignored because --kubeconfig was given' : envFiles.length ? list(envFiles) : 'not set'}`,
    `~/.kube/config: ${explicit ? 'not consulted because --kubeconfig was given'
      : envFiles.length ? 'not consulted because KUBECONFIG is set' : home ? list(files) : 'HOME is not set'}`,
  ];
  return { looked };
}

/** Reads and parses one file; undefined when it does not exist (and is allowed not to). */
async function readConfigFile(file: string, mustExist: boolean): Promise<Obj | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined; // client-go skips missing KUBECONFIG entries silently
    const what = code === 'ENOENT' ? `kubeconfig ${file} given by --kubeconfig does not exist` : `cannot read kubeconfig ${file}: ${errCode(err)}`;
    throw new KubeConfigError('FileUnreadable', what, { cause: err });
  }
  // Errors carry only the code and position: the yaml library's messages quote source lines, which may hold tokens.
  const doc = parseDocument(text);
  const bad = doc.errors[0];
  if (bad) {
    const at = bad.linePos ? ` at line ${bad.linePos[0].line}, column ${bad.linePos[0].col}` : '';
    throw new KubeConfigError('InvalidYaml', `kubeconfig ${file} is not valid YAML${at} (${bad.code})`);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch {
    throw new KubeConfigError('InvalidYaml', `kubeconfig ${file} could not be read as YAML (too many aliases?)`);
  }
  if (value === null || value === undefined) return {};
  if (!isObj(value)) throw new KubeConfigError('InvalidConfig', `kubeconfig ${file} is not a YAML mapping`);
  return value;
}

/**
 * client-go's merge rule: the first file that sets a cluster/user/context name, or current-context, wins; later
 * files never override it. Whole entries are kept (no field-by-field merging), with their defining file.
 */
function mergeFile(merged: Merged, doc: Obj, file: string): void {
  merged.files.push(file);
  const lists = [['clusters', 'cluster', merged.clusters], ['users', 'user', merged.users], ['contexts', 'context', merged.contexts]] as const;
  for (const [list, key, into] of lists) {
    const items = doc[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw new KubeConfigError('InvalidConfig', `kubeconfig ${file}: "${list}" must be a list`);
    const local = new Map<string, Entry>();
    for (const item of items) {
      if (!isObj(item) || typeof item['name'] !== 'string' || item['name'] === '') {
        throw new KubeConfigError('InvalidConfig', `kubeconfig ${file}: every entry of "${list}" needs a "name"`);
      }
      const value = item[key] ?? {};
      if (!isObj(value)) throw new KubeConfigError('InvalidConfig', `kubeconfig ${file}: ${key} "${item['name']}": "${key}" must be a mapping`);
      local.set(item['name'], { name: item['name'], value, file }); // within a file the later duplicate wins, as in client-go's conversion
    }
    for (const [name, entry] of local) if (!into.has(name)) into.set(name, entry);
  }
  const cur = doc['current-context'];
  if (merged.current === undefined && typeof cur === 'string' && cur !== '') merged.current = cur;
}

// ---- resolving a context ----

function selectContext(merged: Merged, wanted: string | undefined): Entry {
  const name = wanted || merged.current;
  const names = [...merged.contexts.keys()].sort();
  const available = names.length ? `available contexts: ${names.join(', ')}` : 'no contexts are defined';
  const where = merged.files.join(', ');
  if (!name) {
    throw new KubeConfigError('ContextNotFound', `no context selected: current-context is not set in ${where} and no context was given; ${available}`);
  }
  const entry = merged.contexts.get(name);
  if (!entry) throw new KubeConfigError('ContextNotFound', `context "${name}" not found in ${where}; ${available}`);
  return entry;
}

async function connectionFor(merged: Merged, context: Entry, opts: KubeConfigOptions): Promise<ClusterConnection> {
  const ctxWhere = `context "${context.name}" (in ${context.file})`;
  const clusterName = str(context.value, 'cluster', ctxWhere);
  if (!clusterName) throw new KubeConfigError('ClusterNotFound', `${ctxWhere} names no cluster`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new KubeConfigError('ClusterNotFound', `${ctxWhere} refers to cluster "${clusterName}", which is not defined in ${merged.files.join(', ')}`);
  }
  const userName = str(context.value, 'user', ctxWhere);
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user) {
    throw new KubeConfigError('UserNotFound', `${ctxWhere} refers to user "${userName}", which is not defined in ${merged.files.join(', ')}`);
  }
  const conn = await clusterConnection(cluster);
  conn.contextName = context.name;
  const namespace = str(context.value, 'namespace', ctxWhere);
  if (namespace) conn.namespace = namespace;
  if (user) {
    conn.credentials = await userCredentials(user, { env: opts.env, timeoutMs: opts.execTimeoutMs, cluster, conn });
    const imp = impersonation(user);
    if (imp) conn.impersonate = imp;
  }
  return conn;
}

async function clusterConnection(e: Entry): Promise<ClusterConnection> {
  const where = `cluster "${e.name}" (in ${e.file})`;
  const c = e.value;
  const insecure = bool(c, 'insecure-skip-tls-verify', where);
  // certificate-authority-data wins over certificate-authority, as in client-go's dataFromSliceOrFile.
  const caData = b64(c, 'certificate-authority-data', where) ?? await readRef(c, 'certificate-authority', e, where);
  const raw = str(c, 'server', where);
  if (!raw) throw new KubeConfigError('InvalidConfig', `${where}: field "server" is missing`);
  const conn: ClusterConnection = {
    server: normalizeServer(raw, caData !== undefined || insecure, where),
    insecureSkipTLSVerify: insecure,
    source: 'kubeconfig',
    credentials: noCredentials(),
  };
  if (caData) conn.caData = caData;
  const sni = str(c, 'tls-server-name', where);
  if (sni) conn.tlsServerName = sni;
  const proxy = str(c, 'proxy-url', where);
  if (proxy) {
    // client-go accepts only these proxy schemes.
    if (!/^(https?|socks5):\/\/[^/]/i.test(proxy) || !URL.canParse(proxy)) {
      throw new KubeConfigError('InvalidConfig', `${where}: field "proxy-url" must be an http, https or socks5 URL`);
    }
    conn.proxyUrl = proxy;
  }
  return conn;
}

/**
 * client-go's DefaultServerURL adds a scheme when the server has none: https if TLS is configured (CA or
 * insecure-skip-tls-verify), else http. The value is otherwise kept as written, minus trailing slashes, so a
 * path prefix (e.g. a proxy in front of the API server) survives.
 */
function normalizeServer(raw: string, tls: boolean, where: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${tls ? 'https' : 'http'}://${raw}`;
  // The value itself stays out of the message: a URL may carry user:password.
  const bad = (why: string) => new KubeConfigError('InvalidConfig', `${where}: field "server" ${why}`);
  if (!URL.canParse(withScheme)) throw bad('is not a valid URL');
  const url = new URL(withScheme);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('must be an http or https URL');
  if (url.hostname === '') throw bad('has no host');
  return withScheme.replace(/\/+$/, '');
}

interface ExecContext { env: Record<string, string | undefined>; timeoutMs: number | undefined; cluster: Entry; conn: ClusterConnection }

/**
 * A user's credentials. Precedence, decided once here so it is deterministic:
 *  - TLS identity: client-certificate(-data) + client-key(-data), else the exec plugin's certificate.
 *  - Authorization: token, else tokenFile, else username/password, else exec, else auth-provider.
 * client-go's exec authenticator steps aside when a token, basic auth or a client certificate is set
 * (exec.UpdateTransportConfig), so exec runs only when none is; the auth-provider wrappers likewise skip
 * requests that already carry an Authorization header. client-go refuses token+basic and exec+auth-provider
 * outright; we apply the order above instead.
 */
async function userCredentials(e: Entry, ctx: ExecContext): Promise<CredentialSource> {
  const where = `user "${e.name}" (in ${e.file})`;
  const u = e.value;
  const cert = b64(u, 'client-certificate-data', where) ?? await readRef(u, 'client-certificate', e, where);
  const key = b64(u, 'client-key-data', where) ?? await readRef(u, 'client-key', e, where);
  if ((cert === undefined) !== (key === undefined)) {
    const [has, lacks] = cert ? ['client-certificate', 'client-key'] : ['client-key', 'client-certificate'];
    throw new KubeConfigError('InvalidConfig', `${where}: has ${has}(-data) but no ${lacks}(-data); both are needed`);
  }
  const tls = cert && key ? staticClientCert({ cert, key }) : undefined;
  const token = str(u, 'token', where);
  const tokenFile = str(u, 'tokenFile', where);
  const username = str(u, 'username', where);
  const password = str(u, 'password', where);
  const execCfg = obj(u, 'exec', where);
  const provider = obj(u, 'auth-provider', where);
  let auth: CredentialSource | undefined;
  if (token) auth = staticToken(token);
  else if (tokenFile) {
    auth = tokenFileCredentials(resolveRef(tokenFile, e), { describe: `${where} field "tokenFile"`, reason: 'FileUnreadable' });
    await auth.authorization(); // client-go reads tokenFile while loading, so a missing file fails now
  } else if (username || password) auth = basicAuth(username ?? '', password ?? '');
  else if (execCfg && !tls) return execSource(execCfg, e, where, ctx);
  else if (provider) auth = authProviderCredentials(str(provider, 'name', where) ?? 'unknown', obj(provider, 'config', where) ?? {}, where);
  return combineCredentials(auth, tls);
}

function execSource(x: Obj, e: Entry, where: string, ctx: ExecContext): CredentialSource {
  const w = `${where} field "exec"`;
  const apiVersion = str(x, 'apiVersion', w);
  if (apiVersion !== 'client.authentication.k8s.io/v1' && apiVersion !== 'client.authentication.k8s.io/v1beta1') {
    throw new KubeConfigError('InvalidConfig', `${w}: apiVersion must be client.authentication.k8s.io/v1 or v1beta1`);
  }
  const command = str(x, 'command', w);
  if (!command) throw new KubeConfigError('InvalidConfig', `${w}: "command" is missing`);
  const envList = x['env'] ?? [];
  if (!Array.isArray(envList)) throw new KubeConfigError('InvalidConfig', `${w}: "env" must be a list`);
  const env = envList.map((item: unknown, i) => {
    if (!isObj(item) || typeof item['name'] !== 'string' || typeof item['value'] !== 'string') {
      throw new KubeConfigError('InvalidConfig', `${w}: env[${i}] needs string "name" and "value"`);
    }
    return { name: item['name'], value: item['value'] };
  });
  const installHint = str(x, 'installHint', w);
  // client-go's validation demands interactiveMode for v1; we accept its absence, which behaves like
  // IfAvailable, and that means Never here since plugins never get a terminal.
  const interactiveMode = str(x, 'interactiveMode', w);
  return execCredentials({
    // Only a command with a path separator is resolved against the kubeconfig's directory; others use PATH.
    command: command.includes(path.sep) ? resolveRef(command, e) : command,
    args: strList(x, 'args', w) ?? [],
    env,
    apiVersion,
    user: e.name,
    ...(installHint ? { installHint } : {}),
    ...(interactiveMode ? { interactiveMode } : {}),
    ...(bool(x, 'provideClusterInfo', w) ? { cluster: execClusterInfo(ctx) } : {}),
  }, { env: ctx.env, ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}) });
}

/** client-go's ConfigToExecCluster: the resolved connection plus the cluster's exec extension as `config`. */
function execClusterInfo(ctx: ExecContext): ExecClusterInfo {
  const c = ctx.conn;
  const info: ExecClusterInfo = { server: c.server };
  if (c.tlsServerName) info['tls-server-name'] = c.tlsServerName;
  if (c.insecureSkipTLSVerify) info['insecure-skip-tls-verify'] = true;
  if (c.caData) info['certificate-authority-data'] = c.caData.toString('base64');
  if (c.proxyUrl) info['proxy-url'] = c.proxyUrl;
  const exts = ctx.cluster.value['extensions'];
  const ext = Array.isArray(exts) ? exts.find((x: unknown) => isObj(x) && x['name'] === 'client.authentication.k8s.io/exec') : undefined;
  if (isObj(ext) && ext['extension'] !== undefined) info.config = ext['extension'];
  return info;
}

function impersonation(e: Entry): ClusterConnection['impersonate'] {
  const where = `user "${e.name}" (in ${e.file})`;
  const imp: NonNullable<ClusterConnection['impersonate']> = {};
  const user = str(e.value, 'as', where);
  const uid = str(e.value, 'as-uid', where);
  const groups = strList(e.value, 'as-groups', where);
  const extraRaw = obj(e.value, 'as-user-extra', where);
  if (user) imp.user = user;
  if (uid) imp.uid = uid;
  if (groups?.length) imp.groups = groups;
  if (extraRaw) {
    const extra: Record<string, string[]> = {};
    for (const k of Object.keys(extraRaw)) extra[k] = strList(extraRaw, k, `${where} field "as-user-extra"`) ?? [];
    if (Object.keys(extra).length) imp.extra = extra;
  }
  return Object.keys(imp).length ? imp : undefined;
}

// ---- typed field access; messages name the entry and field, never the value ----

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeError(where: string, key: string, what: string): KubeConfigError {
  return new KubeConfigError('InvalidConfig', `${where}: field "${key}" must be ${what}`);
}

function str(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(where, key, 'a string');
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw typeError(where, key, 'true or false');
  return v;
}

function obj(o: Obj, key: string, where: string): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw typeError(where, key, 'a mapping');
  return v;
}

function strList(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw typeError(where, key, 'a list of strings');
  return v as string[];
}

/** Base64 `*-data` fields, decoded strictly like Go's StdEncoding (which skips only newlines). */
function b64(o: Obj, key: string, where: string): Buffer | undefined {
  const v = str(o, key, where);
  if (!v) return undefined;
  const clean = v.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw typeError(where, key, 'base64');
  return Buffer.from(clean, 'base64');
}

/** client-go's ResolvePaths: relative paths are relative to the directory of the file defining the entry. */
function resolveRef(p: string, e: Entry): string {
  return path.isAbsolute(p) ? p : path.join(path.dirname(e.file), p);
}

async function readRef(o: Obj, key: string, e: Entry, where: string): Promise<Buffer | undefined> {
  const p = str(o, key, where);
  if (!p) return undefined;
  const file = resolveRef(p, e);
  try {
    return await readFile(file);
  } catch (err) {
    throw new KubeConfigError('FileUnreadable', `${where}: cannot read ${key} file ${file}: ${errCode(err)}`, { cause: err });
  }
}
