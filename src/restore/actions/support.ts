/**
 * @module restore/actions/support: small helpers the built-in restore item actions share — finding a
 * plugin's configuration ConfigMap, the target namespace of an item, and typing untyped JSON.
 */
import { Resources, type KubeObject } from '../../kube/index.ts';
import type { RestoreItemActionContext } from './types.ts';

/** A plugin configuration ConfigMap as the actions use it: its name (for error messages) and data. */
export interface PluginConfig {
  name: string;
  data: Record<string, string>;
}

/** Label every plugin configuration ConfigMap carries (any value, usually empty). */
export const PLUGIN_CONFIG_LABEL = 'velero.io/plugin-config';

/**
 * The configuration ConfigMap of a RestoreItemAction: in the server namespace, labelled
 * `velero.io/plugin-config` and `<pluginName>: RestoreItemAction`. Undefined when there is none;
 * more than one is an error (as in Velero), since we could not tell which one the user meant.
 * Uses one cached LIST of the server namespace's ConfigMaps, so calling it per item is cheap.
 */
export async function findPluginConfig(ctx: RestoreItemActionContext, pluginName: string): Promise<PluginConfig | undefined> {
  const all = await ctx.cluster.list(Resources.configMaps, ctx.serverNamespace);
  const matches = all.filter((cm) => {
    const labels = cm.metadata.labels ?? {};
    return Object.hasOwn(labels, PLUGIN_CONFIG_LABEL) && labels[pluginName] === 'RestoreItemAction';
  });
  if (matches.length > 1) {
    const names = matches.map((cm) => cm.metadata.name).sort().join(', ');
    throw new Error(
      `found ${matches.length} ConfigMaps in namespace "${ctx.serverNamespace}" labelled ${PLUGIN_CONFIG_LABEL} and ` +
        `${pluginName}=RestoreItemAction (${names}); there must be at most one`,
    );
  }
  const cm = matches[0];
  return cm ? { name: cm.metadata.name ?? '', data: stringData(cm) } : undefined;
}

function stringData(cm: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(cm.data)) return out;
  for (const [k, v] of Object.entries(cm.data)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The namespace an item is restored into: the restore's mapping of its backed-up namespace. */
export function targetNamespace(ctx: RestoreItemActionContext, namespace: string | undefined): string | undefined {
  return namespace === undefined ? undefined : (ctx.namespaceMapping[namespace] ?? namespace);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path` inside `obj` when every step is a JSON object; undefined otherwise. */
export function dig(obj: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let cur: unknown = obj;
  for (const key of path) cur = isRecord(cur) ? cur[key] : undefined;
  return isRecord(cur) ? cur : undefined;
}

/** The JSON objects in `v` when it is an array (non-objects are left out); [] otherwise. */
export function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** `parent[key]` as a JSON object, replacing a missing or non-object value with a new empty one. */
export function ensureRecord(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const current = parent[key];
  if (isRecord(current)) return current;
  const fresh: Record<string, unknown> = {};
  parent[key] = fresh;
  return fresh;
}
