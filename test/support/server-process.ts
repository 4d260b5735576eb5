/** @module test/support/server-process: `bin/skiff server` as a separate process, as a user runs it, for kill and fail-over tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Resources, type KubeClient } from '../../src/kube/index.ts';
import { mapLimit } from '../../src/util/index.ts';
import type { TestServer } from './skiff-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** A server process on the test server's namespace; its output is appended to `out` for failure messages. */
export function spawnServer(s: TestServer, out: string[], extraArgs: readonly string[] = []): ChildProcess {
  const child = spawn(join(ROOT, 'bin', 'skiff'), ['server', '--kubeconfig', s.cluster.state.kubeconfig, '--namespace', s.namespace, '--metrics-address', '127.0.0.1:0', ...extraArgs], {
    env: { ...process.env, AWS_SHARED_CREDENTIALS_FILE: s.cluster.state.s3.credentialsFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => out.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => out.push(c.toString()));
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Kills the children at the end of the test, whatever happened. */
export function killAtEnd(t: { after(fn: () => unknown): void }, children: ChildProcess[]): void {
  t.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });
}

/** A namespace of `count` ConfigMaps (~`padBytes` each): enough work to interrupt. */
export async function fillNamespace(client: KubeClient, ns: string, count: number, padBytes = 512): Promise<void> {
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(5, '0')}`);
  await mapLimit(names, 32, (name) => client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { name, pad: 'x'.repeat(padBytes) } }));
}
