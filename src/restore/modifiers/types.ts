/** @module restore/modifiers/types: resource modifiers after parsing and validation, ready to apply. */
import type { LabelSelector } from '../../kube/index.ts';
import type { GlobMatcher } from './glob.ts';
import type { JsonObject } from './json.ts';
import type { JsonPatchOperation } from './json-patch.ts';

export interface ResourceModifierConditions {
  /** e.g. `persistentvolumeclaims`, `*.apps`; compiled with `.` as the glob separator. */
  groupResource: GlobMatcher;
  /** Original (pre-mapping) namespaces, as globs; empty = every namespace. Cluster-scoped items skip this. */
  namespaces: GlobMatcher[];
  /** Unanchored, as Go's regexp.MatchString. */
  resourceNameRegex?: RegExp;
  labelSelector?: LabelSelector;
  /** `matches` as JSON-patch `test` operations; a failure or a missing path means the rule does not apply. */
  matches: JsonPatchOperation[];
}

/** The one kind of patch a rule carries. Merge and strategic patches apply one after another. */
export type RulePatch =
  | { type: 'json'; operations: JsonPatchOperation[] }
  | { type: 'merge'; patches: JsonObject[] }
  | { type: 'strategic'; patches: JsonObject[] };

export interface ResourceModifierRule {
  /** Position in `resourceModifierRules`, and the field path used in messages (`resourceModifierRules[2]`). */
  index: number;
  field: string;
  conditions: ResourceModifierConditions;
  patch: RulePatch;
}

export interface ResourceModifiers {
  /** As written (compared case-insensitively with `v1`). */
  version: string;
  rules: ResourceModifierRule[];
}

/** Everything wrong with a resource-modifiers document; each problem starts with the field it concerns. */
export class ResourceModifiersError extends Error {
  override readonly name = 'ResourceModifiersError';
  readonly reason = 'InvalidResourceModifiers';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid resource modifiers: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
