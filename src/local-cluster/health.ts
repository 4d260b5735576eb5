/** @module local-cluster/health: wait for a component's health endpoint, failing fast when it dies. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { isAlive } from './process.ts';
import { ClusterError, logTail } from './errors.ts';
import type { ComponentSpec } from './components.ts';

export interface HealthContext {
  caData: Buffer | undefined;
  token: string;
}

/** One GET of the health URL; true on 2xx. Never throws. */
export async function probe(health: ComponentSpec['health'], ctx: HealthContext, timeoutMs = 2000): Promise<boolean> {
  const { url, tls, auth } = health;
  const dispatcher =
    tls === 'none' ? undefined : new Agent({ connect: tls === 'apiserver-ca' && ctx.caData ? { ca: ctx.caData } : { rejectUnauthorized: false } });
  try {
    const res = await request(url, {
      dispatcher,
      headers: auth ? { authorization: `Bearer ${ctx.token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300;
  } catch {
    return false;
  } finally {
    await dispatcher?.close();
  }
}

/**
 * Polls until healthy. Fails at once with the log tail when the process exits, or after the
 * timeout with the same tail, so the error says why rather than just "timed out".
 */
export async function waitHealthy(
  spec: Pick<ComponentSpec, 'name' | 'health'>,
  pid: number,
  logFile: string,
  ctx: () => HealthContext,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (!isAlive(pid)) {
      throw new ClusterError('StartFailed', `${spec.name} exited during start-up; the end of its log (${logFile}):\n${await logTail(logFile)}`, {
        component: spec.name,
        logFile,
      });
    }
    if (await probe(spec.health, ctx())) return;
    if (Date.now() > deadline) {
      throw new ClusterError(
        'NotReady',
        `${spec.name} was not healthy at ${spec.health.url} within ${Math.round(opts.timeoutMs / 1000)} s; the end of its log (${logFile}):\n${await logTail(logFile)}`,
        { component: spec.name, logFile },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The API server writes a self-signed certificate into its --cert-dir at start; clients use it as their CA. */
export async function waitForCert(dir: string, signal?: AbortSignal, timeoutMs = 60_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cert = await readFile(join(dir, 'apiserver.crt')).catch(() => undefined);
    if (cert?.includes('END CERTIFICATE')) return cert;
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > deadline) throw new ClusterError('NotReady', `kube-apiserver wrote no certificate into ${dir} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
