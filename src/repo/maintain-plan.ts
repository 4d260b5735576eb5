/**
 * @module repo/maintain-plan: what maintenance does to each pack, decided from the index, the set of live
 * (reachable) blobs and one listing of `data/`. Pure: maintain.ts carries the plan out.
 *
 * Usage is counted by each blob's first indexed location: a second copy of a blob (two writers stored it at
 * once) counts as garbage in its pack, so repacking that pack removes the duplicate.
 */
import type { PackObject } from './pack-stream.ts';
import type { BlobLocation } from './types.ts';

export interface PackUsage {
  id: string;
  /** Bytes in the store. */
  size: number;
  /** Blobs whose (first) indexed location is this pack, and how many of them are live. */
  blobs: number;
  liveBlobs: number;
  liveBytes: number;
}

export interface PackPlanInput {
  /** Every indexed blob at its (first) location. */
  locations: Iterable<BlobLocation>;
  isLive: (id: string) => boolean;
  /** Packs the index files in force list (including packs whose every blob is a second copy). */
  indexedPacks: ReadonlySet<string>;
  /** The listing of `data/`. */
  stored: readonly PackObject[];
  /** Packs never touched: unindexed when maintenance began and younger than the grace period. */
  protect: ReadonlySet<string>;
  /** A pack whose live bytes are below this fraction of its size is repacked (0 never, 1 whenever anything is dead). */
  repackBelow: number;
}

export interface PackPlan {
  keep: PackUsage[];
  /** Indexed packs without a live blob: deleted. */
  remove: PackUsage[];
  /** Indexed packs below `repackBelow`: live blobs copied to new packs, then deleted. */
  repack: PackUsage[];
  /** Packs no index lists, old enough to be garbage (a crashed or failed backup): deleted. */
  unindexed: PackObject[];
  /** Packs no index lists, too young to judge (a backup may still be writing its index): left alone. */
  protected: PackObject[];
  /** Indexed packs missing from the store. Without live blobs they are only dropped from the index. */
  missing: PackUsage[];
  totals: { packs: number; bytes: number; blobs: number; liveBlobs: number; liveBytes: number };
}

export function planPacks(input: PackPlanInput): PackPlan {
  const usage = new Map<string, PackUsage>();
  const sizes = new Map(input.stored.map((p) => [p.id, p.size]));
  for (const id of input.indexedPacks) usage.set(id, { id, size: sizes.get(id) ?? 0, blobs: 0, liveBlobs: 0, liveBytes: 0 });
  let blobs = 0;
  let liveBlobs = 0;
  let liveBytes = 0;
  for (const loc of input.locations) {
    let u = usage.get(loc.pack);
    if (!u) usage.set(loc.pack, (u = { id: loc.pack, size: sizes.get(loc.pack) ?? 0, blobs: 0, liveBlobs: 0, liveBytes: 0 }));
    u.blobs++;
    blobs++;
    if (input.isLive(loc.id)) {
      u.liveBlobs++;
      u.liveBytes += loc.length;
      liveBlobs++;
      liveBytes += loc.length;
    }
  }
  const plan: PackPlan = { keep: [], remove: [], repack: [], unindexed: [], protected: [], missing: [], totals: { packs: input.stored.length, bytes: 0, blobs, liveBlobs, liveBytes } };
  for (const u of usage.values()) {
    if (!sizes.has(u.id)) plan.missing.push(u);
    else if (input.protect.has(u.id)) plan.keep.push(u);
    else if (u.liveBlobs === 0) plan.remove.push(u);
    else if (u.liveBytes < input.repackBelow * u.size) plan.repack.push(u);
    else plan.keep.push(u);
  }
  for (const p of input.stored) {
    plan.totals.bytes += p.size;
    if (usage.has(p.id)) continue;
    (input.protect.has(p.id) ? plan.protected : plan.unindexed).push(p);
  }
  return plan;
}

/** Packs unindexed and younger than `graceMs` (or of unknown age): they may belong to a backup still running. */
export function youngUnindexed(stored: readonly PackObject[], indexed: ReadonlySet<string>, now: number, graceMs: number): Set<string> {
  return new Set(stored.filter((p) => !indexed.has(p.id) && (p.lastModified === undefined || now - p.lastModified.getTime() < graceMs)).map((p) => p.id));
}

/** Bytes the plan deletes (before what repacking writes again). */
export function bytesToDelete(plan: PackPlan): number {
  return [...plan.remove, ...plan.repack, ...plan.unindexed].reduce((n, p) => n + p.size, 0);
}

/** True when carrying the plan out changes no pack. */
export function packsUnchanged(plan: PackPlan): boolean {
  return plan.remove.length + plan.repack.length + plan.unindexed.length + plan.missing.length === 0;
}
