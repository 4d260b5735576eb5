/**
 * @module repo/location: `--repo` URLs → an ObjectStore and a key prefix.
 * `file:///abs/dir` (a local directory) and `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`
 * (S3 or an S3-compatible store; credentials from the AWS environment or credentials file in `env`).
 */
import { basename, dirname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createObjectStore, type ObjectStore, type StorageEnv, type StorageLogger } from '../storage/index.ts';
import { RepoError } from './errors.ts';
import { normalizeRepoPrefix } from './repository.ts';

/** s3:// query parameters and the aws provider config key each sets. */
const S3_PARAMS: Readonly<Record<string, string>> = {
  endpoint: 's3Url',
  region: 'region',
  forcePathStyle: 's3ForcePathStyle',
  profile: 'profile',
  credentialsFile: 'credentialsFile',
  insecureSkipTLSVerify: 'insecureSkipTLSVerify',
  checksumAlgorithm: 'checksumAlgorithm',
  serverSideEncryption: 'serverSideEncryption',
  kmsKeyId: 'kmsKeyId',
};

export type RepoLocation =
  | { provider: 'local'; /** The directory holding the repository directory. */ root: string; /** The repository directory's name. */ bucket: string; prefix: ''; url: string }
  | { provider: 'aws'; bucket: string; prefix: string; config: Record<string, string>; url: string };

function bad(url: string, problem: string): RepoError {
  return new RepoError('InvalidArgument', `--repo ${JSON.stringify(redactUrl(url))}: ${problem} (expected file:///absolute/dir or s3://bucket/prefix?endpoint=URL&region=R&forcePathStyle=true)`);
}

/** The URL without user info (nobody should put credentials there, but if they do they stay out of messages). */
function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/)[^/@]*@/i, '$1…@');
}

export function parseRepoLocation(url: string): RepoLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'not a URL');
  }
  if (u.username || u.password) throw bad(url, 'credentials do not belong in the URL; use the AWS environment or credentials file');
  if (u.protocol === 'file:') return parseFile(url, u);
  if (u.protocol === 's3:') return parseS3(url, u);
  throw bad(url, `unknown scheme ${JSON.stringify(u.protocol.replace(/:$/, ''))}`);
}

function parseFile(url: string, u: URL): RepoLocation {
  if (u.host) throw bad(url, `a file URL names no host (got ${JSON.stringify(u.host)}; write file:///abs/dir)`);
  if (u.search || u.hash) throw bad(url, 'a file URL takes no query or fragment');
  const path = fileURLToPath(u).replace(/\/+$/, '');
  if (!isAbsolute(path) || path === '') throw bad(url, 'the directory must be an absolute path other than /');
  return { provider: 'local', root: dirname(path), bucket: basename(path), prefix: '', url };
}

function parseS3(url: string, u: URL): RepoLocation {
  const bucket = decodeURIComponent(u.hostname);
  if (!bucket) throw bad(url, 'the bucket is missing (s3://BUCKET/prefix)');
  if (u.port) throw bad(url, 'the bucket cannot have a port; put the endpoint in ?endpoint=');
  if (u.hash) throw bad(url, 'an s3 URL takes no fragment');
  const prefix = normalizeRepoPrefix(decodeURIComponent(u.pathname).replace(/^\/+/, ''));
  if (prefix.split('/').slice(0, -1).some((seg) => seg === '' || seg === '.' || seg === '..')) throw bad(url, `the prefix ${JSON.stringify(prefix)} has an empty, "." or ".." segment`);
  const config: Record<string, string> = {};
  for (const [name, value] of u.searchParams) {
    const key = S3_PARAMS[name];
    if (!key) throw bad(url, `unknown parameter ${JSON.stringify(name)} (known: ${Object.keys(S3_PARAMS).join(', ')})`);
    if (name in config || key in config) throw bad(url, `parameter ${JSON.stringify(name)} is given twice`);
    if (name === 'endpoint' && !/^https?:\/\/[^/]/.test(value)) throw bad(url, `endpoint ${JSON.stringify(value)} must be an http:// or https:// URL`);
    config[key] = value;
  }
  return { provider: 'aws', bucket, prefix, config, url };
}

export interface OpenLocationOptions {
  /** The environment (AWS_* credentials, AWS_SHARED_CREDENTIALS_FILE, …), passed in. */
  env: StorageEnv;
  /** local: create the directory when missing (for init). */
  create?: boolean | undefined;
  logger?: StorageLogger | undefined;
}

/** The store and prefix of a `--repo` URL; the caller closes the store. */
export async function openRepoLocation(url: string, opts: OpenLocationOptions): Promise<{ store: ObjectStore; prefix: string; location: RepoLocation }> {
  const location = parseRepoLocation(url);
  const common = { env: opts.env, ...(opts.logger ? { logger: opts.logger } : {}) };
  const store =
    location.provider === 'local'
      ? await createObjectStore({ ...common, provider: 'local', bucket: location.bucket, config: { path: location.root, ...(opts.create ? { createBucket: 'true' } : {}) } })
      : await createObjectStore({ ...common, provider: 'aws', bucket: location.bucket, config: location.config });
  return { store, prefix: location.prefix, location };
}
