/** @module storage/aws/credentials: AWS credentials from a BSL credential, a shared credentials file, the environment, or the SDK's chain. */
import { readFile } from 'node:fs/promises';
import { StorageError } from '../errors.ts';
import type { StorageEnv } from '../object-store.ts';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialSource = 'bsl-credential' | 'credentials-file' | 'environment' | 'sdk-default-chain';

export interface ResolvedCredentials {
  source: CredentialSource;
  /** Where they came from, for messages: never the values. */
  description: string;
  /** Undefined for the SDK's default chain, which resolves lazily (env, ~/.aws, web identity, IMDS …). */
  static: StaticCredentials | undefined;
}

export interface ResolveOptions {
  /** The content of the BSL's `spec.credential` Secret key: an AWS INI credentials file. */
  credential?: Buffer | string;
  /** The `credentialsFile` config key (Velero sets it to the credential materialised on disk). */
  credentialsFile?: string;
  env: StorageEnv;
  profile: string;
}

/**
 * In order: the BSL credential; the `credentialsFile` config key; the file named by AWS_SHARED_CREDENTIALS_FILE
 * (how Velero's `cloud-credentials` Secret is mounted); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the passed
 * environment; else the SDK's default chain. Files are read as INI and must hold static keys for `profile`.
 */
export async function resolveAwsCredentials(opts: ResolveOptions): Promise<ResolvedCredentials> {
  if (opts.credential !== undefined) {
    const description = 'the backup storage location credential (spec.credential)';
    return { source: 'bsl-credential', description, static: fromIni(opts.credential.toString(), opts.profile, description) };
  }
  const file = opts.credentialsFile ?? opts.env['AWS_SHARED_CREDENTIALS_FILE'];
  if (file) {
    const via = opts.credentialsFile ? 'config credentialsFile' : 'AWS_SHARED_CREDENTIALS_FILE';
    const description = `the credentials file ${file} (${via})`;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw invalid(`${description} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
    }
    return { source: 'credentials-file', description, static: fromIni(text, opts.profile, description) };
  }
  const id = opts.env['AWS_ACCESS_KEY_ID'];
  const secret = opts.env['AWS_SECRET_ACCESS_KEY'];
  if (id && secret) {
    const token = opts.env['AWS_SESSION_TOKEN'];
    return { source: 'environment', description: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', static: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } };
  }
  return { source: 'sdk-default-chain', description: "the AWS SDK's default credential chain (environment, ~/.aws, web identity, instance metadata)", static: undefined };
}

/** The static keys of `profile` in an INI credentials (or shared config) file. */
export function fromIni(text: string, profile: string, description: string): StaticCredentials {
  const profiles = parseIni(text);
  const section = profiles.get(profile);
  if (!section) {
    const names = [...profiles.keys()];
    throw invalid(`profile ${JSON.stringify(profile)} is not in ${description} (${names.length ? `profiles: ${names.join(', ')}` : 'it has no profiles; expected "[default]" and aws_access_key_id/aws_secret_access_key lines'})`);
  }
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    const other = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'].filter((k) => section.has(k));
    const why = other.length ? `; it uses ${other.join(', ')}, which Skiff does not support in credential files yet` : '';
    throw invalid(`profile ${JSON.stringify(profile)} in ${description} has no aws_access_key_id and aws_secret_access_key${why}`);
  }
  const sessionToken = section.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * INI as the AWS SDKs read it: `[name]` (credentials file) or `[profile name]` (config file) sections,
 * `key = value` lines, `#`/`;` comment lines. Indented lines continue a nested setting and are skipped.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      current = out.get(name) ?? new Map<string, string>();
      out.set(name, current);
      continue;
    }
    if (!current || /^\s/.test(raw)) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return out;
}

function invalid(message: string, cause?: unknown): StorageError {
  return new StorageError({ reason: 'InvalidConfig', provider: 'aws', message: `aws provider: ${message}`, cause });
}
