/** @module local-cluster/components: command lines and health checks of each control-plane component. */
import { join } from 'node:path';
import type { BinaryName } from './versions.ts';

/** Ports chosen at start, all on 127.0.0.1. */
export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
  scheduler: number;
  /** kwok's kubelet-like server: node status advertises it, and the API server connects to it for exec. */
  kwok: number;
  minio: number;
  minioConsole: number;
}

export interface Files {
  dir: string;
  kubeconfig: string;
  tokenFile: string;
  saKey: string;
  saPub: string;
  apiserverCertDir: string;
  kwokConfig: string;
}

export interface ComponentSpec {
  name: ComponentName;
  binary: BinaryName;
  args: string[];
  env?: Record<string, string>;
  /** URL polled until it answers 2xx; `tls` says whether it is served with the API server's CA or self-signed. */
  health: { url: string; tls: 'none' | 'apiserver-ca' | 'self-signed'; auth: boolean };
}

export const COMPONENT_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'minio'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export function etcdSpec(p: Ports, f: Files): ComponentSpec {
  const client = `http://127.0.0.1:${p.etcdClient}`;
  const peer = `http://127.0.0.1:${p.etcdPeer}`;
  return {
    name: 'etcd',
    binary: 'etcd',
    args: [
      '--name=skiff',
      `--data-dir=${join(f.dir, 'etcd-data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=skiff=${peer}`,
      '--unsafe-no-fsync=true', // test data only: fsync dominates etcd's latency on shared disks
      '--log-level=warn',
    ],
    health: { url: `${client}/health`, tls: 'none', auth: false },
  };
}

/** `etcdPrefix` lets a second API server share etcd without seeing the first one's objects. */
export function apiServerSpec(p: Ports, f: Files, etcdPrefix = '/registry'): ComponentSpec {
  return {
    name: 'kube-apiserver',
    binary: 'kube-apiserver',
    args: [
      `--etcd-servers=http://127.0.0.1:${p.etcdClient}`,
      `--etcd-prefix=${etcdPrefix}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${p.apiServer}`,
      `--cert-dir=${f.apiserverCertDir}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${f.saPub}`,
      `--service-account-signing-key-file=${f.saKey}`,
      `--token-auth-file=${f.tokenFile}`,
      '--authorization-mode=RBAC',
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      // kwok nodes advertise 127.0.0.1 as InternalIP; exec must go there, not to an unresolvable hostname.
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      '--profiling=false',
    ],
    health: { url: `https://127.0.0.1:${p.apiServer}/readyz`, tls: 'apiserver-ca', auth: true },
  };
}

/** Flags the controller-manager and the scheduler share: who they are, where they listen, no leader election. */
function controlLoopArgs(f: Files, port: number, certDir: string): string[] {
  return [
    `--kubeconfig=${f.kubeconfig}`,
    `--authentication-kubeconfig=${f.kubeconfig}`,
    `--authorization-kubeconfig=${f.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(f.dir, certDir)}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}

export function controllerManagerSpec(p: Ports, f: Files): ComponentSpec {
  return {
    name: 'kube-controller-manager',
    binary: 'kube-controller-manager',
    args: [
      ...controlLoopArgs(f, p.controllerManager, 'kcm-certs'),
      `--service-account-private-key-file=${f.saKey}`,
      `--root-ca-file=${join(f.apiserverCertDir, 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
    ],
    health: { url: `https://127.0.0.1:${p.controllerManager}/healthz`, tls: 'self-signed', auth: false },
  };
}

export function schedulerSpec(p: Ports, f: Files): ComponentSpec {
  return {
    name: 'kube-scheduler',
    binary: 'kube-scheduler',
    args: controlLoopArgs(f, p.scheduler, 'scheduler-certs'),
    health: { url: `https://127.0.0.1:${p.scheduler}/healthz`, tls: 'self-signed', auth: false },
  };
}

export function kwokSpec(p: Ports, f: Files): ComponentSpec {
  return {
    name: 'kwok',
    binary: 'kwok',
    args: [
      `--kubeconfig=${f.kubeconfig}`,
      `--config=${f.kwokConfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      '--node-name=localhost',
      `--node-port=${p.kwok}`,
      `--server-address=127.0.0.1:${p.kwok}`,
      '--cidr=10.244.0.0/16',
      '--node-lease-duration-seconds=40',
    ],
    health: { url: `http://127.0.0.1:${p.kwok}/healthz`, tls: 'none', auth: false },
  };
}

export function minioSpec(p: Ports, f: Files, creds: { accessKeyId: string; secretAccessKey: string }): ComponentSpec {
  return {
    name: 'minio',
    binary: 'minio',
    args: ['server', '--address', `127.0.0.1:${p.minio}`, '--console-address', `127.0.0.1:${p.minioConsole}`, '--quiet', join(f.dir, 'minio-data')],
    env: {
      MINIO_ROOT_USER: creds.accessKeyId,
      MINIO_ROOT_PASSWORD: creds.secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
    health: { url: `http://127.0.0.1:${p.minio}/minio/health/live`, tls: 'none', auth: false },
  };
}

/** kwok's configuration: the upstream stages plus a ClusterExec that runs `exec` commands on this machine. */
export function kwokConfig(stagesYaml: string, execWorkDir: string): string {
  const clusterExec = [
    'apiVersion: kwok.x-k8s.io/v1alpha1',
    'kind: ClusterExec',
    'metadata:',
    '  name: skiff-local-exec',
    'spec:',
    '  execs:',
    '  - local:',
    `      workDir: ${JSON.stringify(execWorkDir)}`,
  ].join('\n');
  return `${stagesYaml.trim()}\n---\n${clusterExec}\n`;
}
