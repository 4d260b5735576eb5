/**
 * @module restore/modifiers/apply: runs parsed resource-modifier rules over one item, as Velero's
 * ApplyResourceModifierRules does: every rule's conditions are checked against the item as it was before any
 * rule ran, and the matching rules' patches are applied in order, each to the result of the one before.
 */
import { matchesLabelSelector, type KubeObject } from '../../kube/index.ts';
import { cloneJson, isJsonObject, type JsonObject } from './json.ts';
import { applyJsonPatch, JsonPatchError } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicPatch, StrategicPatchError } from './strategic-patch.ts';
import { FALLBACK_SCHEMA, schemaForKind, type TypeSchema } from './strategic-schema.ts';
import type { ResourceModifierRule, ResourceModifiers } from './types.ts';

export interface ModifierTarget {
  /** `resource.group` as Velero prints it: `pods`, `deployments.apps`. */
  groupResource: string;
  /** The item's namespace in the backup (before namespace mapping); undefined or '' for cluster-scoped items. */
  namespace?: string | undefined;
}

export interface ModifierOutcome {
  /** The item after every matching rule; a copy even when nothing matched. */
  object: KubeObject;
  /** Rules that changed (or were applied to) the item, e.g. `resourceModifierRules[0] (JSON patch, 2 operations)`. */
  applied: string[];
  /** Rules that matched but could not be applied; the item is left as the previous rule left it. */
  errors: string[];
  /** Things worth telling the user that did not stop a rule (a strategic patch on a kind Skiff has no schema for). */
  warnings: string[];
}

/** Applies the rules that match `obj`. Never changes `obj`. */
export function applyResourceModifiers(mods: ResourceModifiers, obj: KubeObject, target: ModifierTarget): ModifierOutcome {
  const snapshot = cloneJson(obj as unknown as JsonObject);
  let current = cloneJson(snapshot);
  const applied: string[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const rule of mods.rules) {
    if (!ruleMatches(rule, snapshot, target)) continue;
    try {
      const result = applyRulePatch(rule, current, warnings);
      if (result === undefined) continue;
      current = result;
      applied.push(describe(rule));
    } catch (err) {
      if (!(err instanceof JsonPatchError || err instanceof StrategicPatchError || err instanceof RuleResultError)) throw err;
      errors.push(`${rule.field}: ${patchLabel(rule)}: ${err.message}`);
    }
  }
  return { object: current as unknown as KubeObject, applied, errors, warnings };
}

class RuleResultError extends Error {}

/** Whether a rule's conditions hold for the item as it was in the backup. */
export function ruleMatches(rule: ResourceModifierRule, snapshot: JsonObject, target: ModifierTarget): boolean {
  const c = rule.conditions;
  const metadata = isJsonObject(snapshot['metadata']) ? snapshot['metadata'] : {};
  const namespace = target.namespace ?? '';
  // Cluster-scoped items have no namespace to compare, so the namespaces condition does not apply to them.
  if (namespace !== '' && c.namespaces.length > 0 && !c.namespaces.some((g) => g.matches(namespace))) return false;
  if (!c.groupResource.matches(target.groupResource)) return false;
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  if (c.resourceNameRegex && !c.resourceNameRegex.test(name)) return false;
  const labels = isJsonObject(metadata['labels']) ? (metadata['labels'] as Record<string, string>) : undefined;
  if (c.labelSelector && !matchesLabelSelector(labels, c.labelSelector)) return false;
  return c.matches.length === 0 || testsPass(snapshot, rule);
}

/** `matches` are JSON-patch tests: any failure — unequal, missing path, bad index — means "no match". */
function testsPass(snapshot: JsonObject, rule: ResourceModifierRule): boolean {
  try {
    applyJsonPatch(snapshot, rule.conditions.matches);
    return true;
  } catch (err) {
    if (err instanceof JsonPatchError) return false;
    throw err;
  }
}

/** The patched item, or undefined when a `test` operation in the patch failed (the item is left unchanged). */
function applyRulePatch(rule: ResourceModifierRule, current: JsonObject, warnings: string[]): JsonObject | undefined {
  const patch = rule.patch;
  let result: unknown = current;
  if (patch.type === 'json') {
    try {
      result = applyJsonPatch(current, patch.operations);
    } catch (err) {
      // A failing `test` is how users make a patch conditional: not an error, just no change.
      if (err instanceof JsonPatchError && err.reason === 'test-failed') return undefined;
      throw err;
    }
  } else if (patch.type === 'merge') {
    for (const p of patch.patches) result = applyMergePatch(result as JsonObject, p);
  } else {
    const schema = strategicSchema(rule, current, warnings);
    for (const p of patch.patches) result = applyStrategicPatch(result as JsonObject, p, schema);
  }
  if (!isJsonObject(result) || !isJsonObject(result['metadata'])) throw new RuleResultError('the patched item is no longer an object with metadata');
  return result;
}

function strategicSchema(rule: ResourceModifierRule, current: JsonObject, warnings: string[]): TypeSchema {
  const apiVersion = typeof current['apiVersion'] === 'string' ? current['apiVersion'] : '';
  const kind = typeof current['kind'] === 'string' ? current['kind'] : '';
  const schema = schemaForKind(apiVersion, kind);
  if (schema) return schema;
  warnings.push(
    `${rule.field}: ${kind || '(no kind)'} (${apiVersion || 'no apiVersion'}) is not a built-in kind, so its strategic patch ` +
      'was applied with JSON merge semantics: lists other than metadata.finalizers/ownerReferences were replaced whole ' +
      '(Velero refuses strategic patches for kinds it has no Go type for)',
  );
  return FALLBACK_SCHEMA;
}

function patchLabel(rule: ResourceModifierRule): string {
  return rule.patch.type === 'json' ? 'JSON patch' : rule.patch.type === 'merge' ? 'JSON merge patch' : 'strategic merge patch';
}

function describe(rule: ResourceModifierRule): string {
  const p = rule.patch;
  const size = p.type === 'json' ? plural(p.operations.length, 'operation', 'operations') : plural(p.patches.length, 'patch', 'patches');
  return `${rule.field} (${patchLabel(rule)}, ${size})`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
