/**
 * @module restore/modifiers: Velero's restore resource modifiers (`restore.spec.resourceModifier`) — parsing
 * the ConfigMap's rules and applying them to each item — plus the JSON Patch, JSON Merge Patch and strategic
 * merge patch implementations they use. The restore engine also uses createMergePatch for the
 * existing-resource policy "update".
 */
export { parseResourceModifiers, loadResourceModifiersFromConfigMap } from './parse.ts';
export { applyResourceModifiers, ruleMatches, type ModifierTarget, type ModifierOutcome } from './apply.ts';
export {
  ResourceModifiersError,
  type ResourceModifiers,
  type ResourceModifierRule,
  type ResourceModifierConditions,
  type RulePatch,
} from './types.ts';
export {
  applyJsonPatch,
  parseJsonPointer,
  formatJsonPointer,
  JsonPatchError,
  JSON_PATCH_OPS,
  type JsonPatchOperation,
  type JsonPatchOp,
  type JsonPatchFailure,
} from './json-patch.ts';
export { applyMergePatch, createMergePatch, isEmptyMergePatch } from './merge-patch.ts';
export { applyStrategicPatch, StrategicPatchError } from './strategic-patch.ts';
export { schemaForKind, FALLBACK_SCHEMA, type TypeSchema, type FieldSchema } from './strategic-schema.ts';
export { embedPatchValue, compileGoRegExp } from './values.ts';
export { compileGlob, GlobMatcher, GlobSyntaxError } from './glob.ts';
export { cloneJson, jsonEqual, isJsonObject, type JsonValue, type JsonObject, type JsonPrimitive } from './json.ts';
