/**
 * @module restore/actions/service: `velero.io/service` — let the target cluster allocate a Service's
 * cluster IPs and, unless the restore preserves them, the node ports nobody asked for explicitly.
 *
 * A node port (or health-check node port) is kept when the user evidently chose it:
 * - `kubectl.kubernetes.io/last-applied-configuration` (client-side apply) sets it — matched by port
 *   name, or for unnamed ports by the node port number itself, as Velero does; or
 * - a managedFields entry of a user's field manager owns it (server-side apply, create, patch, edit):
 *   `f:spec` → `f:ports` → `k:{"port":P,"protocol":R}` → `f:nodePort`, or `f:spec` → `f:healthCheckNodePort`.
 * Velero consults managedFields only when there is no last-applied annotation; we take the union,
 * since both only ever record what a client sent (a port set with `kubectl patch` after a
 * `kubectl apply` shows up only in managedFields). Allocation by the API server happens after field
 * ownership is computed, so it is never attributed to the client; the managers in SERVER_MANAGERS
 * stand for the server itself and are not evidence of a user's choice.
 */
import type { KubeObject } from '../../kube/index.ts';
import type { RestoreItemAction, RestoreItemActionContext } from './types.ts';
import { dig, isRecord, records } from './support.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Field managers whose ownership says nothing about user intent: `before-first-apply` is the catch-all
 * owner of every field (allocated ports included) when server-side apply first meets an object with
 * no managedFields; `kube-apiserver` and a missing name are the server's own bookkeeping.
 */
const SERVER_MANAGERS = new Set(['', 'before-first-apply', 'kube-apiserver']);

interface ExplicitPorts {
  /** Names of ports whose nodePort the user set (last-applied). */
  names: Set<string>;
  /** nodePort values of unnamed ports the user set (last-applied). */
  unnamedNodePorts: Set<number>;
  /** `port/protocol` of ports whose nodePort a user's field manager owns. */
  owned: Set<string>;
  healthCheckNodePort: boolean;
}

export const serviceAction: RestoreItemAction = {
  name: 'velero.io/service',
  appliesTo: { includedResources: ['services'] },
  async execute(item, ctx) {
    const spec = dig(item, ['spec']);
    // ExternalName services are DNS aliases: no cluster IP, no node ports.
    if (!spec || spec.type === 'ExternalName') return { item };
    const svc = structuredClone(item);
    const s = dig(svc, ['spec'])!;
    // Cluster IPs belong to the old cluster's service CIDR; `None` (headless) is a choice, not an allocation.
    if (s.clusterIP !== 'None') {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (ctx.restore.spec?.preserveNodePorts === true) return { item: svc };
    const explicit = explicitPorts(item, ctx);
    for (const port of records(s.ports)) if (port.nodePort !== undefined && !keepsNodePort(port, explicit)) delete port.nodePort;
    const localLoadBalancer = s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
    if (localLoadBalancer && !explicit.healthCheckNodePort) delete s.healthCheckNodePort;
    return { item: svc };
  },
};

function keepsNodePort(port: Record<string, unknown>, explicit: ExplicitPorts): boolean {
  const named = typeof port.name === 'string' && port.name !== '';
  if (named && explicit.names.has(port.name as string)) return true;
  if (!named && explicit.unnamedNodePorts.has(Number(port.nodePort))) return true;
  return explicit.owned.has(portKey(port.port, port.protocol));
}

/** `port/protocol`, with the API's default protocol. */
function portKey(port: unknown, protocol: unknown): string {
  return `${Number(port)}/${typeof protocol === 'string' && protocol !== '' ? protocol : 'TCP'}`;
}

function explicitPorts(item: KubeObject, ctx: RestoreItemActionContext): ExplicitPorts {
  const explicit: ExplicitPorts = { names: new Set(), unnamedNodePorts: new Set(), owned: new Set(), healthCheckNodePort: false };
  addLastApplied(explicit, item, ctx);
  addManagedFields(explicit, item);
  return explicit;
}

function addLastApplied(explicit: ExplicitPorts, item: KubeObject, ctx: RestoreItemActionContext): void {
  const text = item.metadata.annotations?.[LAST_APPLIED];
  if (text === undefined) return;
  let applied: unknown;
  try {
    applied = JSON.parse(text);
  } catch {
    // Velero fails the Service here; a broken annotation should not cost the user the Service.
    ctx.warn(`service ${item.metadata.namespace}/${item.metadata.name}: annotation ${LAST_APPLIED} is not valid JSON; ignoring it`);
    return;
  }
  const spec = dig(applied, ['spec']);
  for (const port of records(spec?.ports)) {
    const nodePort = Number(port.nodePort);
    if (!(nodePort > 0)) continue;
    if (typeof port.name === 'string' && port.name !== '') explicit.names.add(port.name);
    else explicit.unnamedNodePorts.add(nodePort);
  }
  if (Number(spec?.healthCheckNodePort) > 0) explicit.healthCheckNodePort = true;
}

function addManagedFields(explicit: ExplicitPorts, item: KubeObject): void {
  for (const entry of records(item.metadata.managedFields)) {
    const manager = typeof entry.manager === 'string' ? entry.manager : '';
    if (SERVER_MANAGERS.has(manager)) continue;
    const spec = dig(entry, ['fieldsV1', 'f:spec']);
    if (!spec) continue;
    if (isRecord(spec['f:healthCheckNodePort'])) explicit.healthCheckNodePort = true;
    for (const [key, fields] of Object.entries(dig(spec, ['f:ports']) ?? {})) {
      if (!key.startsWith('k:') || !isRecord(fields) || !Object.hasOwn(fields, 'f:nodePort')) continue;
      const id = parseKey(key.slice(2));
      if (id) explicit.owned.add(portKey(id.port, id.protocol));
    }
  }
}

/** The identity of a list entry in a managedFields key, e.g. `{"port":80,"protocol":"TCP"}`. */
function parseKey(json: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
