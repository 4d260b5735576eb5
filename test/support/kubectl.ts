/** @module test/support/kubectl: the test cluster's kubectl, fed on stdin, as a user runs it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testCluster } from './cluster.ts';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against `kubeconfig` (default: the test cluster's) with `input` on stdin. */
export async function kubectl(args: string[], input: string, kubeconfig?: string): Promise<KubectlResult> {
  const { state, kubeconfig: clusterConfig } = await testCluster();
  return new Promise((resolve, reject) => {
    const child = spawn(join(state.binDir, 'kubectl'), args, { env: { ...process.env, KUBECONFIG: kubeconfig ?? clusterConfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
