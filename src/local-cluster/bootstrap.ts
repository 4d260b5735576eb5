/** @module local-cluster/bootstrap: what a fresh cluster needs before use: kwok nodes and the S3 bucket. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { KubeClient, Resources, isAlreadyExists, type KubeObject } from '../kube/index.ts';
import { ClusterError } from './errors.ts';
import type { Env } from './paths.ts';

/** Creates `count` fake nodes (kwok manages those annotated `kwok.x-k8s.io/node: fake`) and waits until Ready. */
export async function createNodes(kubeconfig: string, env: Env, count: number, signal?: AbortSignal): Promise<string[]> {
  const client = await KubeClient.fromKubeConfig({ kubeconfig: { kubeconfig, env } });
  try {
    const names = Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
    for (const name of names) {
      try {
        await client.create(Resources.nodes, nodeManifest(name), { signal });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const nodes = await client.list(Resources.nodes, { signal });
      const ready = nodes.items.filter((n) => names.includes(n.metadata.name ?? '') && isReady(n));
      if (ready.length === names.length) return names;
      if (Date.now() > deadline) throw new ClusterError('NotReady', `kwok nodes did not become Ready within 60 s (${ready.length}/${names.length} Ready); see the kwok log`, { component: 'kwok' });
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.close();
  }
}

function nodeManifest(name: string): KubeObject {
  const resources = { cpu: '32', memory: '256Gi', pods: '250', 'ephemeral-storage': '1Ti' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    spec: {},
    status: { capacity: resources, allocatable: resources },
  };
}

function isReady(node: KubeObject): boolean {
  const conditions = ((node.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** An S3 client for the local MinIO: path-style, and checksums only where the API requires them. */
export function minioClient(s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const client = minioClient(s3);
  try {
    await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
}
