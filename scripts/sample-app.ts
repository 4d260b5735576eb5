/** @module scripts/sample-app: the nginx example every Velero user knows, with a volume, all labelled app=nginx. */
import { randomBytes } from 'node:crypto';
import { Resources, type KubeObject, type ResourceRef } from '../src/kube/index.ts';

/** Objects in creation order (namespace first, PV before the PVC that binds to it). */
export function sampleApp(namespace: string): Array<{ ref: ResourceRef; obj: KubeObject }> {
  const labels = { app: 'nginx' };
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace, labels });
  return [
    { ref: Resources.namespaces, obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } } },
    {
      ref: Resources.persistentVolumes,
      obj: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `${namespace}-logs-pv`, labels },
        spec: {
          storageClassName: 'manual',
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/tmp/skiff-sample/${namespace}/logs` },
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
    { ref: Resources.configMaps, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('nginx-config'), data: { 'nginx.conf': 'worker_processes 1;\n' } } },
    {
      ref: Resources.secrets,
      obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta('nginx-secret'), type: 'Opaque', data: { token: randomBytes(16).toString('base64') } },
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
