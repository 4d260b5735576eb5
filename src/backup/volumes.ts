/**
 * @module backup/volumes: what happened to each PersistentVolume of a backup, for the volume-info
 * sidecar. This Skiff version takes neither native snapshots nor file-system backups, so every
 * volume is recorded as skipped, with the reasons Velero gives.
 */
import type { KubeObject } from '../kube/index.ts';
import type { OperationLog } from './backup-log.ts';

/** Velero's BackupVolumeInfo (the fields this version fills). */
export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  pvInfo?: { reclaimPolicy?: string; labels?: Record<string, string> };
}

interface PodVolume {
  pod: string;
  optedIn: boolean;
}

const FS_BACKUP_ANNOTATION = 'backup.velero.io/backup-volumes';

export class VolumeTracker {
  /** `ns/claim` → pods of the backup that mount it. */
  readonly #claims = new Map<string, PodVolume[]>();
  readonly #pvs: KubeObject[] = [];

  /** A pod was backed up: remember its claims, and report opt-ins this version cannot honour. */
  notePod(pod: KubeObject, log: OperationLog): void {
    const ns = pod.metadata.namespace ?? '';
    const optIn = new Set((pod.metadata.annotations?.[FS_BACKUP_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const volumes = ((pod.spec as { volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName?: string } }> } | undefined)?.volumes) ?? [];
    for (const v of volumes) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (optIn.has(v.name)) {
        log.error(`volume ${v.name} of pod ${pod.metadata.name} asks for file-system backup (${FS_BACKUP_ANNOTATION}), which this Skiff version does not provide: its data is not in the backup`, { namespace: ns });
      }
      if (!claim) continue;
      const key = `${ns}/${claim}`;
      const list = this.#claims.get(key) ?? [];
      list.push({ pod: pod.metadata.name ?? '', optedIn: optIn.has(v.name) });
      this.#claims.set(key, list);
    }
  }

  notePersistentVolume(pv: KubeObject): void {
    this.#pvs.push(pv);
  }

  /** One entry per backed-up PV, sorted by PV name. */
  volumeInfo(snapshotVolumes: boolean | undefined, log: OperationLog): BackupVolumeInfo[] {
    return [...this.#pvs]
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))
      .map((pv) => {
        const spec = (pv.spec ?? {}) as { claimRef?: { namespace?: string; name?: string }; persistentVolumeReclaimPolicy?: string };
        const claim = spec.claimRef?.name ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : undefined;
        const reasons: string[] = [];
        for (const p of claim ? this.#claims.get(claim) ?? [] : []) {
          if (!p.optedIn) reasons.push(`podvolume: opted out due to annotation in pod ${p.pod};`);
        }
        if (snapshotVolumes === false) reasons.push('volumeSnapshot: volume snapshots are disabled for this backup;');
        else reasons.push('volumeSnapshot: no applicable volumesnapshotter found;');
        if (snapshotVolumes === true) {
          log.warn(`a snapshot of persistent volume ${pv.metadata.name} was asked for (snapshotVolumes), but no volume snapshotter is available: its data is not in the backup`, { cluster: true });
        }
        return {
          ...(spec.claimRef?.name ? { pvcName: spec.claimRef.name, pvcNamespace: spec.claimRef.namespace ?? '' } : {}),
          pvName: pv.metadata.name!,
          snapshotDataMoved: false,
          preserveLocalSnapshot: false,
          skipped: true,
          skippedReason: reasons.join(''),
          pvInfo: { reclaimPolicy: spec.persistentVolumeReclaimPolicy ?? '', labels: pv.metadata.labels ?? {} },
        };
      });
  }
}
