/** @module local-cluster/sample-app: the nginx example every Velero user knows, with a volume, all labelled app=nginx. */
import { randomBytes } from 'node:crypto';
import { Resources, type KubeObject, type ResourceRef } from '../kube/index.ts';

export interface SampleAppOptions {
  namespace?: string;
  /** The PV is cluster-scoped: tests that deploy the app twice need distinct names. */
  pvName?: string;
}

/**
 * Objects in creation order (namespace first, PV before the PVC that binds to it). Names follow the
 * example Velero's docs use (and the fixture bucket real Velero wrote): nginx-example, nginx-deployment,
 * my-nginx, nginx-logs bound to pv-nginx-logs, nginx-conf, nginx-tls.
 */
export function sampleApp(opts: SampleAppOptions = {}): Array<{ ref: ResourceRef; obj: KubeObject }> {
  const namespace = opts.namespace ?? 'nginx-example';
  const pvName = opts.pvName ?? (namespace === 'nginx-example' ? 'pv-nginx-logs' : `pv-${namespace}-logs`);
  const labels = { app: 'nginx' };
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace, labels });
  return [
    { ref: Resources.namespaces, obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } } },
    {
      ref: Resources.persistentVolumes,
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName, labels },
        spec: {
          storageClassName: 'manual',
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/tmp/skiff-sample/${namespace}/logs` },
          // Bind to this claim only: several copies of the app may share a cluster.
          claimRef: { namespace, name: 'nginx-logs' },
        },
      },
    },
    {
      ref: Resources.persistentVolumeClaims,
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta('nginx-logs'),
        spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    },
    { ref: Resources.configMaps, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('nginx-conf'), data: { 'nginx.conf': 'worker_processes 1;\n' } } },
    {
      ref: Resources.secrets,
      obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta('nginx-tls'), type: 'Opaque', data: { token: randomBytes(16).toString('base64') } },
    },
    {
      ref: Resources.deployments,
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('nginx-deployment'),
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              volumes: [{ name: 'nginx-logs', persistentVolumeClaim: { claimName: 'nginx-logs' } }],
              containers: [{ name: 'nginx', image: 'nginx:1.27.3', ports: [{ containerPort: 80 }], volumeMounts: [{ name: 'nginx-logs', mountPath: '/var/log/nginx' }] }],
            },
          },
        },
      },
    },
    {
      ref: Resources.services,
      obj: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('my-nginx'),
        spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 80, targetPort: 80 }] },
      },
    },
  ];
}
