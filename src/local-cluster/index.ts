/** @module local-cluster: a real local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) plus MinIO. */
export { ensureBinaries, type BinarySet } from './build.ts';
export {
  startCluster, stopCluster, readState, clusterStatus, envExports,
  type ClusterState, type StartOptions, type ComponentStatus, type ComponentState,
} from './cluster.ts';
export { apiServerSpec, type ComponentName, type Ports, type Files } from './components.ts';
export { ClusterError } from './errors.ts';
export { minioClient } from './bootstrap.ts';
export { cacheRoot, namedClusterDir } from './paths.ts';
export { PINS, cacheStamp } from './versions.ts';
export { freePorts, spawnDetached, stopGroup, isAlive } from './process.ts';
export { startExtraApiServer, type ExtraApiServer, type ExtraApiServerOptions } from './extra-apiserver.ts';
export { sampleApp, type SampleAppOptions } from './sample-app.ts';
