/**
 * @module install/apply: sends install's objects to the cluster by server-side apply (field manager `skiff`,
 * forced, so Velero's or kubectl's fields are taken over and a re-run changes nothing when nothing changed),
 * CRDs first and waited for, and waits for the server (and node agent) to be ready when asked.
 */
import type { CustomResourceDefinition } from '../api/index.ts';
import { Resources, type KubeClient, type KubeObject } from '../kube/index.ts';
import { formatGoDuration, sleep } from '../util/index.ts';
import { refOf } from './refs.ts';

/** The field manager of everything install applies; the same on every run, so re-running changes nothing. */
export const INSTALL_FIELD_MANAGER = 'skiff';
/** How long to wait for the API server to serve the new CRDs. */
export const DEFAULT_ESTABLISH_TIMEOUT_MS = 60_000;
/** How long `--wait` waits for the server's pods (an image pull on a fresh node can take minutes). */
export const DEFAULT_READY_TIMEOUT_MS = 600_000;

/** Where progress lines go (Velero prints them on stdout). */
export interface Progress {
  write(chunk: string): unknown;
}

export interface ApplyCrdsOptions {
  out: Progress;
  timeoutMs?: number;
  pollMs?: number;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditionOf(obj: KubeObject | undefined, type: string): Condition | undefined {
  const status = obj?.['status'] as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

const labelOf = (obj: KubeObject): string => `${obj.kind}/${obj.metadata.name}`;

/** A binding's role cannot change in place: the API server refuses a new roleRef. */
function roleRefChanged(live: KubeObject, wanted: KubeObject): boolean {
  if (wanted.kind !== 'ClusterRoleBinding' && wanted.kind !== 'RoleBinding') return false;
  return JSON.stringify(live['roleRef']) !== JSON.stringify(wanted['roleRef']);
}

/**
 * A Deployment or DaemonSet install never applied (Velero's, or one from kubectl) is replaced, not merged:
 * server-side apply keeps fields other managers own, and Velero's `/velero` command or plugin init
 * containers must not survive into Skiff's pod.
 */
function notInstalledBySkiff(live: KubeObject): boolean {
  if (live.kind !== 'Deployment' && live.kind !== 'DaemonSet') return false;
  const fields = (live.metadata.managedFields ?? []) as Array<{ manager?: string; operation?: string }>;
  return !fields.some((f) => f.manager === INSTALL_FIELD_MANAGER && f.operation === 'Apply');
}

/**
 * Applies one object, printing Velero's two progress lines. A binding whose role changed (switching
 * `--rbac` mode) is deleted and created again, as `kubectl auth reconcile` does; so is a workload install
 * did not create.
 */
export async function applyObject(client: KubeClient, obj: KubeObject, out: Progress): Promise<void> {
  const ref = refOf(obj);
  const label = labelOf(obj);
  const namespace = obj.metadata.namespace;
  out.write(`${label}: attempting to create resource\n`);
  try {
    let live = await client.getIfExists(ref, obj.metadata.name ?? '', { namespace });
    const replace = live && (roleRefChanged(live, obj) ? 'its role changed' : notInstalledBySkiff(live) ? 'not installed by Skiff' : undefined);
    if (replace) {
      out.write(`${label}: ${replace}, replacing it\n`);
      await client.delete(ref, obj.metadata.name ?? '', { namespace });
      live = undefined;
    }
    await client.apply(ref, obj, { fieldManager: INSTALL_FIELD_MANAGER, force: true });
    out.write(`${label}: ${live ? 'already exists, proceeding' : 'created'}\n`);
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`, { cause: err });
  }
}

/** Applies each object in order (a Namespace before what lives in it). */
export async function applyObjects(client: KubeClient, objects: readonly KubeObject[], out: Progress): Promise<void> {
  for (const obj of objects) await applyObject(client, obj, out);
}

/**
 * Creates or updates each CRD by server-side apply (so CRDs Velero installed are taken over), then waits
 * until the API server serves every one.
 */
export async function applyCrds(client: KubeClient, crds: readonly CustomResourceDefinition[], opts: ApplyCrdsOptions): Promise<void> {
  await applyObjects(client, crds, opts.out);
  opts.out.write('Waiting for resources to be ready in cluster...\n');
  await waitEstablished(client, crds, opts);
}

/** Polls until every CRD has `Established=True`; fails early when the API server refuses a CRD's names. */
async function waitEstablished(client: KubeClient, crds: readonly CustomResourceDefinition[], opts: ApplyCrdsOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ESTABLISH_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let pending = crds.map((c) => c.metadata.name);
  for (;;) {
    const still: string[] = [];
    for (const name of pending) {
      const live = await client.getIfExists(Resources.customResourceDefinitions, name);
      const names = conditionOf(live, 'NamesAccepted');
      if (names?.status === 'False') throw new Error(`CustomResourceDefinition ${name} was not accepted: ${names.message ?? 'names conflict'}`);
      if (conditionOf(live, 'Established')?.status !== 'True') still.push(name);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${formatGoDuration(timeoutMs)} waiting for CustomResourceDefinition ${pending.join(', ')} to be established`);
    }
    await sleep(opts.pollMs ?? 250);
  }
}

interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
}

const statusOf = (obj: KubeObject): WorkloadStatus => (obj['status'] ?? {}) as WorkloadStatus;
const generationSeen = (obj: KubeObject): boolean => (statusOf(obj).observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);

/** Why a Deployment's rollout is not complete (kubectl rollout status's rules), or undefined when it is. */
export function deploymentNotReady(d: KubeObject): string | undefined {
  if (!generationSeen(d)) return 'the rollout has not started';
  const s = statusOf(d);
  const wanted = ((d['spec'] ?? {}) as { replicas?: number }).replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < wanted) return `${updated} of ${wanted} pods updated`;
  if ((s.replicas ?? 0) > updated) return `${(s.replicas ?? 0) - updated} old pods are still terminating`;
  if ((s.availableReplicas ?? 0) < updated) return `${s.availableReplicas ?? 0} of ${updated} pods available`;
  return undefined;
}

/** Why a DaemonSet is not ready on every node it should run on, or undefined when it is. */
export function daemonSetNotReady(ds: KubeObject): string | undefined {
  if (!generationSeen(ds)) return 'the rollout has not started';
  const s = statusOf(ds);
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired) return `${s.updatedNumberScheduled ?? 0} of ${desired} pods updated`;
  if ((s.numberAvailable ?? 0) < desired) return `${s.numberAvailable ?? 0} of ${desired} pods available`;
  return undefined;
}

export interface WaitReadyOptions {
  out: Progress;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Waits for one Deployment or DaemonSet to be ready; a Deployment past its progress deadline fails at once. */
export async function waitReady(client: KubeClient, workload: KubeObject, opts: WaitReadyOptions): Promise<void> {
  const ref = refOf(workload);
  const { name = '', namespace } = workload.metadata;
  const check = workload.kind === 'Deployment' ? deploymentNotReady : daemonSetNotReady;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  opts.out.write(`Waiting for ${workload.kind} ${namespace}/${name} to be ready.\n`);
  for (;;) {
    const live = await client.get(ref, name, { namespace, signal: opts.signal });
    const progressing = conditionOf(live, 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new Error(`${workload.kind} ${namespace}/${name} is not progressing: ${progressing.message ?? ''}`);
    const why = check(live);
    if (why === undefined) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${formatGoDuration(timeoutMs)} waiting for ${workload.kind} ${namespace}/${name}: ${why}`);
    await sleep(opts.pollMs ?? 1000, opts.signal);
  }
}
