/**
 * @module scripts/demo-support: what `npm run demo` needs beyond the `skiff` commands it shows — waits, the
 * `skiff server` process, and the before/after record of every object in the backup that the disaster drill
 * compares in what the user controls.
 */
import { readFileSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupStore, createObjectStore, type ObjectStore, type ResourceList } from '../src/storage/index.ts';
import { groupResource, type KubeClient, type KubeObject, type ResourceRef } from '../src/kube/index.ts';
import { isAlive, spawnDetached, stopGroup, type ClusterState } from '../src/local-cluster/index.ts';
import { differences, userFields } from '../src/restore/index.ts';

const ROOT = join(import.meta.dirname, '..');
const SERVER_PID_FILE = 'skiff-server.pid';

/** Polls `check` until it returns a value other than undefined/false, or fails saying what did not happen. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const phase = (o: KubeObject | undefined): string | undefined => (o?.status as { phase?: string } | undefined)?.phase;

/** The local cluster's MinIO bucket, and Velero's layout over it. */
export async function bucket(state: ClusterState): Promise<{ objects: ObjectStore; store: BackupStore }> {
  const objects = await createObjectStore({
    provider: 'aws',
    bucket: state.s3.bucket,
    config: { region: state.s3.region, s3ForcePathStyle: 'true', s3Url: state.s3.endpoint },
    env: { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
  });
  return { objects, store: new BackupStore(objects) };
}

// ---------------------------------------------------------------------------------------------------------
// The Skiff server, as its own process: `bin/skiff server`, exactly what a user runs.

export interface ServerProcess {
  pid: number;
  logFile: string;
}

/**
 * Starts `bin/skiff server` in its own process group, its log in the cluster's `logs/`. Its pid joins the
 * cluster's `pids` file, so the watchdog of a cluster owned by this process stops the server too if the
 * demo dies without tearing down.
 */
export async function startServerProcess(state: ClusterState, namespace: string): Promise<ServerProcess> {
  const logFile = join(state.dir, 'logs', 'skiff-server.log');
  const pid = spawnDetached({
    name: 'skiff server',
    command: join(ROOT, 'bin', 'skiff'),
    // Metrics on a free loopback port (its URL is in the server log), never :8085 on every interface.
    args: ['server', '--kubeconfig', state.kubeconfig, '--namespace', namespace, '--metrics-address', '127.0.0.1:0'],
    env: { ...process.env, AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile },
    cwd: ROOT,
    logFile,
  });
  await appendFile(join(state.dir, 'pids'), `${pid}\n`);
  await writeFile(join(state.dir, SERVER_PID_FILE), `${pid}\n`);
  return { pid, logFile };
}

export async function stopServerProcess(server: ServerProcess): Promise<void> {
  if (isSkiffServer(server.pid)) await stopGroup(server.pid, 10_000);
}

/** Stops the server a previous `--keep` run left in `dir`, if it still runs. */
export async function stopLeftoverServer(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, SERVER_PID_FILE), 'utf8').catch(() => '')).trim());
  if (pid > 0) await stopServerProcess({ pid, logFile: '' });
}

/** Never signal a process that merely reused a recorded pid. */
function isSkiffServer(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('src/cli/main.ts')) && argv.includes('server');
  } catch {
    return true;
  }
}

/** The last lines of the server's log, to show when something went wrong. */
export async function serverLogTail(server: ServerProcess | undefined, lines = 15): Promise<string[]> {
  if (!server) return [];
  const text = await readFile(server.logFile, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines);
}

// ---------------------------------------------------------------------------------------------------------
// Before and after: every object the backup holds.

export interface TrackedObject {
  /** `apps/v1/Deployment nginx-example/nginx-deployment`, as the backup's resource list names it. */
  key: string;
  groupResource: string;
  ref: ResourceRef;
  name: string;
  namespace?: string;
}

/** Every object listed in the backup's resource list, resolved to the resource it is served by. */
export async function objectsInBackup(client: KubeClient, list: ResourceList): Promise<TrackedObject[]> {
  await client.discovery.ensure();
  const out: TrackedObject[] = [];
  for (const [gvk, names] of Object.entries(list)) {
    const slash = gvk.lastIndexOf('/');
    const [group, version] = gvk.slice(0, slash).includes('/') ? gvk.slice(0, slash).split('/') as [string, string] : ['', gvk.slice(0, slash)];
    const info = client.discovery.forKind(group, version, gvk.slice(slash + 1));
    if (!info) throw new Error(`the cluster does not serve ${gvk}, which the backup holds`);
    for (const full of names) {
      const [namespace, name] = full.includes('/') ? full.split('/') as [string, string] : [undefined, full];
      out.push({ key: `${gvk} ${full}`, groupResource: groupResource(info), ref: info, name, ...(namespace ? { namespace } : {}) });
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

const ENDPOINT_SLICES = 'endpointslices.discovery.k8s.io';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * What the user controls in each tracked object now; a missing object maps to undefined. An EndpointSlice
 * is the one object whose name does not survive a restore: the EndpointSlice controller replaces the
 * restored slice with one of its own, named afresh. A slice therefore counts as its Service's slice, found
 * by the Service's label when the backed-up name is gone (`before` holds that label).
 */
export async function snapshot(client: KubeClient, objects: readonly TrackedObject[], before?: Map<string, KubeObject | undefined>): Promise<Map<string, KubeObject | undefined>> {
  const out = new Map<string, KubeObject | undefined>();
  await Promise.all(
    objects.map(async (o) => {
      let live = await client.getIfExists(o.ref, o.name, { namespace: o.namespace });
      if (o.groupResource === ENDPOINT_SLICES) {
        const service = before?.get(o.key)?.metadata.labels?.[SERVICE_NAME_LABEL];
        if (!live && service) live = (await client.list(o.ref, { namespace: o.namespace, labelSelector: `${SERVICE_NAME_LABEL}=${service}` })).items[0];
        out.set(o.key, live && sliceOfService(live));
        return;
      }
      out.set(o.key, live && userFields(o.groupResource, live));
    }),
  );
  return out;
}

/** An EndpointSlice reduced to whose it is (its endpoints are the controller's business). */
function sliceOfService(slice: KubeObject): KubeObject {
  const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return { apiVersion: slice.apiVersion, kind: slice.kind, metadata: { namespace: slice.metadata.namespace, labels: service ? { [SERVICE_NAME_LABEL]: service } : {} } } as KubeObject;
}

/** One line per object that is missing or differs after the restore. */
export function compare(objects: readonly TrackedObject[], before: Map<string, KubeObject | undefined>, after: Map<string, KubeObject | undefined>): string[] {
  const problems: string[] = [];
  for (const { key } of objects) {
    const a = before.get(key);
    const b = after.get(key);
    if (!a) problems.push(`${key}: was not in the cluster before the disaster`);
    else if (!b) problems.push(`${key}: missing after the restore`);
    else for (const d of differences(a, b)) problems.push(`${key}: ${d} differs`);
  }
  return problems;
}

/** `{ created: 9, skipped: 1 }` from a restore's resource list (`ns/name(created)` entries). */
export function outcomes(list: ResourceList | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entries of Object.values(list ?? {})) {
    for (const e of entries) {
      const outcome = /\((\w+)\)$/.exec(e)?.[1] ?? 'unknown';
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
  return counts;
}

/** `ConfigMap 1, Deployment 1, …`: objects per kind in a resource list. */
export function kindCounts(list: ResourceList): string {
  const counts = new Map<string, number>();
  for (const [gvk, names] of Object.entries(list)) {
    const kind = gvk.slice(gvk.lastIndexOf('/') + 1);
    counts.set(kind, (counts.get(kind) ?? 0) + names.length);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
