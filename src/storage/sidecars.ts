/** @module storage/sidecars: the shapes and encodings of velero-backup.json and the gzipped JSON sidecars. */
import { encodeGoStructJson } from '../util/index.ts';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { StorageError } from './errors.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export type JsonObject = { [key: string]: unknown };

/** One side of a results file; every key may be absent (Go omitempty). */
export interface ResultEntries {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** `<name>-results.gz`: `{"errors": …, "warnings": …}`. */
export interface Results {
  errors?: ResultEntries;
  warnings?: ResultEntries;
}

/** `"<group/version>/<Kind>"` → sorted `"ns/name"` (backups) or `"ns/name(action)"` (restores). */
export type ResourceList = Record<string, string[]>;

/** What a backup's sidecar files decode to. Arrays stay loosely typed: their shapes belong to the engines. */
export interface BackupSidecarTypes {
  resourceList: ResourceList;
  results: Results;
  volumeInfo: JsonObject[];
  podVolumeBackups: JsonObject[];
  volumeSnapshots: JsonObject[];
  itemOperations: JsonObject[];
  csiVolumeSnapshots: JsonObject[];
  csiVolumeSnapshotContents: JsonObject[];
  csiVolumeSnapshotClasses: JsonObject[];
}

export interface RestoreSidecarTypes {
  results: Results;
  resourceList: ResourceList;
  itemOperations: JsonObject[];
  volumeInfo: JsonObject[];
}

/**
 * The sidecars a backup writes. An absent entry writes no file; `null` writes `null` (what Velero writes
 * for an empty Go slice, e.g. podvolumebackups and volumesnapshots in the 1.18.3 fixture).
 */
export interface BackupSidecars {
  resourceList?: ResourceList;
  results?: Results;
  volumeInfo?: readonly object[] | null;
  podVolumeBackups?: readonly object[] | null;
  volumeSnapshots?: readonly object[] | null;
  itemOperations?: readonly object[] | null;
}

/** The Backup custom resource as stored in velero-backup.json. */
export interface BackupObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  spec?: JsonObject;
  status?: JsonObject & { phase?: string; formatVersion?: string; version?: number };
  [key: string]: unknown;
}

/** JSON as Go's encoding/json writes a typed struct (sidecars, velero-backup.json); see util/go-json. */
export function goJson(value: unknown, indent?: number): string {
  try {
    return encodeGoStructJson(value, indent);
  } catch (err) {
    throw new StorageError({ reason: 'InvalidArgument', message: (err as Error).message, cause: err });
  }
}

/** A sidecar as Velero writes it: compact JSON, a newline (json.Encoder), gzipped. */
export async function encodeSidecar(value: unknown): Promise<Buffer> {
  return gzipAsync(Buffer.from(`${goJson(value)}\n`, 'utf8'));
}

/** Gunzips and parses one sidecar; `what` names the key in the error when it is not gzip or not JSON. */
export async function decodeSidecar(data: Buffer, what: string): Promise<unknown> {
  let text: string;
  try {
    text = (await gunzipAsync(data)).toString('utf8');
  } catch (err) {
    throw new StorageError({ reason: 'InvalidData', message: `${what} is not gzip data`, cause: err });
  }
  return parseJson(text, what);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StorageError({ reason: 'InvalidData', message: `${what} is not valid JSON: ${(err as Error).message}`, cause: err });
  }
}

/** Maps sorted by key and lists sorted, as Go writes a map[string][]string built from sorted sets. */
export function sortedResourceList(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const k of Object.keys(list).sort()) out[k] = [...(list[k] ?? [])].sort();
  return out;
}

/** Results with Go's key order: `errors` before `warnings` (map keys sorted), struct fields in declaration order. */
export function normalizedResults(results: Results): Results {
  const side = (r: ResultEntries | undefined): ResultEntries => {
    const out: ResultEntries = {};
    if (r?.velero?.length) out.velero = [...r.velero];
    if (r?.cluster?.length) out.cluster = [...r.cluster];
    const ns = r?.namespaces ?? {};
    const names = Object.keys(ns).sort();
    if (names.length) out.namespaces = Object.fromEntries(names.map((n) => [n, [...(ns[n] ?? [])]]));
    return out;
  };
  return { errors: side(results.errors), warnings: side(results.warnings) };
}

/**
 * velero-backup.json as Velero's Kubernetes serializer writes it: `kind` and `apiVersion` first (BackupSync
 * cannot decode the object without them), 2-space indent, no trailing newline.
 */
export function encodeBackupMetadata(name: string, backup: BackupObject): string {
  const metaName = backup.metadata?.name;
  if (metaName !== undefined && metaName !== name) {
    throw new StorageError({ reason: 'InvalidArgument', message: `backup object is named ${JSON.stringify(metaName)} but is being stored as backup ${JSON.stringify(name)}` });
  }
  const { kind, apiVersion, ...rest } = backup;
  return goJson({ kind: kind ?? 'Backup', apiVersion: apiVersion ?? 'velero.io/v1', ...rest }, 2);
}

/** Parses velero-backup.json, requiring what Velero's decoder requires: kind Backup and an apiVersion. */
export function decodeBackupMetadata(text: string, what: string): BackupObject {
  const obj = parseJson(text, what);
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new StorageError({ reason: 'InvalidData', message: `${what} is not a JSON object` });
  }
  const backup = obj as BackupObject;
  if (backup.kind !== 'Backup' || typeof backup.apiVersion !== 'string' || !backup.apiVersion.startsWith('velero.io/')) {
    throw new StorageError({ reason: 'InvalidData', message: `${what} is not a velero.io Backup (kind ${JSON.stringify(backup.kind)}, apiVersion ${JSON.stringify(backup.apiVersion)})` });
  }
  return backup;
}
