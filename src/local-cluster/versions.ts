/** @module local-cluster/versions: the pinned component versions and the cache stamp derived from them. */
import { createHash } from 'node:crypto';

/**
 * Versions verified to build from the Go module proxy these machines reach (it refuses some, e.g.
 * Kubernetes 1.34.7's cri-client); see ../shared/reference/test-cluster.md. Changing any value here
 * changes the stamp, so the next start rebuilds.
 */
export const PINS = {
  kubernetes: 'v1.34.4',
  /** The staging modules (k8s.io/api, …) are published as v0.<minor>.<patch>. */
  kubernetesStaging: 'v0.34.4',
  etcd: 'v3.6.5',
  kwok: 'v0.7.0',
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c',
} as const;

/** Bump when the build recipe changes in a way that alters the binaries or the cache's contents. */
export const RECIPE_VERSION = 2;

export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;
export const BINARIES = [...KUBE_COMMANDS, 'etcd', 'kwok', 'minio'] as const;
export type BinaryName = (typeof BINARIES)[number];

/** kwok's stage manifests, copied out of its module at build time (paths under kustomize/stage/). */
export const KWOK_STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
] as const;

/** A short hash of everything that decides what the cache holds. */
export function cacheStamp(platform: string = `${process.platform}-${process.arch}`): string {
  const input = JSON.stringify({ recipe: RECIPE_VERSION, pins: PINS, platform });
  return `${PINS.kubernetes}-${createHash('sha256').update(input).digest('hex').slice(0, 12)}`;
}
