/**
 * @module restore/versions: which API version of a resource to restore when the backup holds several
 * (Velero's EnableAPIGroupVersions feature, `pkg/restore/prioritize_group_version.go`).
 *
 * A format-1.1.0 backup keeps each resource once per version the source cluster served, under
 * `resources/<resource.group>/<version>/` — the source's preferred one as `<version>-preferredversion`.
 * The chosen version decides which of those directories the items are read from.
 */
import { PREFERRED_SUFFIX } from '../archive/index.ts';

/**
 * Reads the `restoreResourcesVersionPriority` key of the `enableapigroupversions` ConfigMap: one
 * `resource.group=v2,v1` line per resource. Whitespace is dropped (Velero drops spaces; tabs and the `\r` of a
 * CRLF file go too), and lines without exactly one `=` or with nothing on one side are ignored, as in Velero.
 */
export function parseVersionPriorities(text: string): Map<string, string[]> {
  const priorities = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+/g, '');
    const parts = line.split('=');
    if (parts.length !== 2) continue;
    const [resource, versions] = parts as [string, string];
    if (resource === '' || versions === '') continue;
    priorities.set(resource, versions.split(',').filter((v) => v !== ''));
  }
  return priorities;
}

const KUBE_VERSION = /^v([0-9]+)(?:(alpha|beta)([0-9]+))?$/;
const MAX_INT64 = 2n ** 63n - 1n;
/** Higher ranks sort first: GA before beta before alpha. */
const STABILITY_RANK = { alpha: 0, beta: 1, ga: 2 } as const;

interface KubeVersion {
  major: bigint;
  rank: number;
  minor: bigint;
}

/** `v2`, `v1beta3`, `v1alpha1`; undefined for anything else (including numbers Go's Atoi would overflow on). */
function parseKubeVersion(v: string): KubeVersion | undefined {
  const m = KUBE_VERSION.exec(v);
  if (!m) return undefined;
  const major = BigInt(m[1]!);
  const minor = m[3] === undefined ? 0n : BigInt(m[3]);
  if (major > MAX_INT64 || minor > MAX_INT64) return undefined;
  const stability = (m[2] ?? 'ga') as keyof typeof STABILITY_RANK;
  return { major, rank: STABILITY_RANK[stability], minor };
}

function sign(n: bigint): number {
  return n > 0n ? 1 : n < 0n ? -1 : 0;
}

/**
 * apimachinery's CompareKubeAwareVersionStrings: positive when `a` has the higher priority. Kube-like
 * versions outrank other strings; GA > beta > alpha, then higher major, then higher minor; other strings
 * compare so that they sort alphabetically.
 */
export function compareKubeVersions(a: string, b: string): number {
  if (a === b) return 0;
  const va = parseKubeVersion(a);
  const vb = parseKubeVersion(b);
  if (!va && !vb) return a < b ? 1 : -1;
  if (!va) return -1;
  if (!vb) return 1;
  if (va.rank !== vb.rank) return va.rank - vb.rank;
  if (va.major !== vb.major) return sign(va.major - vb.major);
  return sign(va.minor - vb.minor);
}

/** Highest priority first, e.g. `v2, v1, v1beta2, v1beta1, v1alpha1, foo, zeta`. Returns a new array. */
export function sortKubeVersions(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareKubeVersions(b, a));
}

export interface VersionChoiceInput {
  /** The backup directory name, `resource.group` (`pods`, `horizontalpodautoscalers.autoscaling`). */
  groupResource: string;
  /** The version directories found under it, e.g. `['v1', 'v2-preferredversion', 'v2beta1']`. */
  backupVersionDirs: readonly string[];
  /** The versions the target cluster serves for the group (empty: it does not serve the group). */
  targetVersions: readonly string[];
  targetPreferred?: string | undefined;
  /** This resource's line of the `enableapigroupversions` ConfigMap, in the user's order. */
  userPriorities?: readonly string[] | undefined;
}

export interface VersionChoice {
  /** The directory to read items from (`v2-preferredversion` when the source's preferred version won). */
  versionDir: string;
  version: string;
  /** Which rule decided, for the restore log. */
  reason: string;
}

interface SourceVersions {
  /** Highest priority first. */
  versions: string[];
  preferred: string | undefined;
}

function sourceVersions(dirs: readonly string[]): SourceVersions {
  let preferred: string | undefined;
  const versions: string[] = [];
  for (const dir of dirs) {
    // Velero's parser skips these: they are the legacy item layout, not versions.
    if (dir === 'namespaces' || dir === 'cluster') continue;
    const version = dir.endsWith(PREFERRED_SUFFIX) ? dir.slice(0, -PREFERRED_SUFFIX.length) : dir;
    if (version !== dir) preferred = version;
    if (!versions.includes(version)) versions.push(version);
  }
  return { versions: sortKubeVersions(versions), preferred };
}

/**
 * Velero's order: if the target does not serve the group, the source's preferred version; otherwise
 * 0. the first user-priority version both sides have; 1. the target's preferred version, if backed up;
 * 2. the source's preferred version, if the target serves it; 3. the first version both sides have, walking
 * the target's versions from the highest priority; else the source's preferred version.
 *
 * Rule 3 follows the specification ("a common non-preferred version"). Velero's code skips the first entry of
 * both sorted lists there, assuming it is the preferred one; when it is not, Velero falls back to a version
 * the target does not serve, which only fails later, so Skiff does not copy that.
 */
export function chooseRestoreVersion(input: VersionChoiceInput): VersionChoice {
  const source = sourceVersions(input.backupVersionDirs);
  const top = source.versions[0];
  if (top === undefined) throw new Error(`${input.groupResource}: the backup holds no version directories to choose from`);
  const choose = (version: string, reason: string): VersionChoice => ({
    versionDir: version === source.preferred ? `${version}${PREFERRED_SUFFIX}` : version,
    version,
    reason,
  });
  // A backup without a preferred-version directory was not written by Velero; its best version stands in.
  const fallback = source.preferred ?? top;
  const target = sortKubeVersions(input.targetVersions);
  const group = input.groupResource.includes('.') ? input.groupResource.slice(input.groupResource.indexOf('.') + 1) : 'core';
  if (target.length === 0) return choose(fallback, `the target cluster does not serve API group ${group}; using the backup's preferred version`);
  const inBoth = (v: string): boolean => target.includes(v) && source.versions.includes(v);

  const user = input.userPriorities?.find(inBoth);
  if (user !== undefined) return choose(user, 'priority 0: the first version of the user-defined priorities that the backup and the target cluster both have');
  const tp = input.targetPreferred;
  if (tp && source.versions.includes(tp)) return choose(tp, "priority 1: the target cluster's preferred version is in the backup");
  if (source.preferred !== undefined && target.includes(source.preferred)) {
    return choose(source.preferred, "priority 2: the backup's preferred version is served by the target cluster");
  }
  const common = target.find(inBoth);
  if (common !== undefined) return choose(common, 'priority 3: the highest-priority version the backup and the target cluster both have');
  return choose(fallback, `no version in common with the target cluster; using the backup's preferred version`);
}
