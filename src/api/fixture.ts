/** @module api/fixture: reads the velero.io objects out of the real-Velero fixture bucket (test/fixtures). */
import { VELERO_BUCKET_DIR } from '../../test/fixtures/velero-bucket.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The bucket real Velero 1.18.3 wrote (a copy in test/fixtures). */
export const FIXTURE_BUCKET = VELERO_BUCKET_DIR;

/** One object Velero wrote, with where it came from (for test names and messages). */
export interface FixtureObject {
  file: string;
  kind: string;
  object: Record<string, unknown>;
}

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** A sidecar's JSON array (Velero writes `null` for an empty list); items lack TypeMeta when encoding/json wrote them. */
function sidecarItems(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as unknown;
  return Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [];
}

/**
 * Every velero.io object in the bucket: each backup's `velero-backup.json` (a Backup) and the PodVolumeBackups
 * of its `-podvolumebackups.json.gz` sidecar. The other sidecars hold non-CRD shapes (results, volume infos).
 */
export function fixtureObjects(): FixtureObject[] {
  const out: FixtureObject[] = [];
  const backups = join(FIXTURE_BUCKET, 'backups');
  for (const name of list(backups)) {
    const dir = join(backups, name);
    const metadata = join(dir, 'velero-backup.json');
    if (existsSync(metadata)) {
      out.push({ file: metadata, kind: 'Backup', object: JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, unknown> });
    }
    const pvbs = join(dir, `${name}-podvolumebackups.json.gz`);
    for (const object of sidecarItems(pvbs)) out.push({ file: pvbs, kind: 'PodVolumeBackup', object });
  }
  return out;
}
