/**
 * @module restore/modifiers/parse: reads a resource-modifiers document (Velero's `restore.spec.resourceModifier`
 * ConfigMap) strictly: unknown fields, wrong types and bad patterns are all reported, each naming its field.
 *
 * Velero decodes this YAML into Go structs whose fields are all strings, so a scalar is read as the text the
 * user wrote (`value: 80` is the string "80", later embedded as the number 80) and a YAML null is an empty
 * field. Patterns, regexes, pointers and patch values are checked here, up front — Velero finds some of
 * these only while restoring, as an error on every item a rule touches.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { validLabelKey, validLabelValue, type LabelSelector, type LabelSelectorRequirement, type SelectorOperator } from '../../kube/index.ts';
import { GlobMatcher, GlobSyntaxError } from './glob.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { JSON_PATCH_OPS, JsonPatchError, parseJsonPointer, type JsonPatchOp, type JsonPatchOperation } from './json-patch.ts';
import { ResourceModifiersError, type ResourceModifierConditions, type ResourceModifierRule, type ResourceModifiers, type RulePatch } from './types.ts';
import { compileGoRegExp, embedPatchValue } from './values.ts';

/** The YAML as Go would see it: every scalar a string, nulls kept so "absent" can be told apart. */
type Plain = string | null | Plain[] | PlainMap;
interface PlainMap {
  [key: string]: Plain;
}

const SUPPORTED_VERSION = 'v1';
const PATCH_KINDS = ['patches', 'mergePatches', 'strategicPatches'] as const;

/** Parses and validates a resource-modifiers document. Throws ResourceModifiersError listing every problem. */
export function parseResourceModifiers(yamlText: string): ResourceModifiers {
  const doc = parseDocument(yamlText);
  if (doc.errors.length > 0) throw new ResourceModifiersError(doc.errors.map((e) => `YAML: ${firstLine(e.message)}`));
  const r = new Reader();
  const top = r.map(toPlain(doc.contents, doc), '(document)');
  if (!top) throw new ResourceModifiersError(r.problems.length > 0 ? r.problems : ['(document): empty; expected version and resourceModifierRules']);
  r.fields(top, ['version', 'resourceModifierRules'], '');
  const version = r.string(top, 'version', '');
  if (version === undefined) r.fail('version', 'required');
  else if (version.toLowerCase() !== SUPPORTED_VERSION) r.fail('version', `unsupported resource modifier version "${version}" (supported: ${SUPPORTED_VERSION})`);
  const rawRules = r.list(top, 'resourceModifierRules', '') ?? [];
  if (rawRules.length === 0) r.fail('resourceModifierRules', 'at least one rule is required');
  const rules = rawRules.map((raw, i) => parseRule(r, raw, i));
  if (r.problems.length > 0) throw new ResourceModifiersError(r.problems);
  return { version: version!, rules: rules as ResourceModifierRule[] };
}

/** Velero's rule: the ConfigMap must hold exactly one data entry, whatever its key. */
export function loadResourceModifiersFromConfigMap(cm: { metadata?: { name?: string; namespace?: string }; data?: Record<string, string> | null }): ResourceModifiers {
  const name = `${cm.metadata?.namespace ?? ''}/${cm.metadata?.name ?? ''}`;
  const entries = Object.entries(cm.data ?? {});
  if (entries.length !== 1) {
    const keys = entries.length === 0 ? 'none' : entries.map(([k]) => `"${k}"`).join(', ');
    throw new ResourceModifiersError([`ConfigMap ${name}: must have exactly one data entry holding the resource modifiers YAML (found ${keys})`]);
  }
  try {
    return parseResourceModifiers(entries[0]![1]);
  } catch (err) {
    if (!(err instanceof ResourceModifiersError)) throw err;
    throw new ResourceModifiersError(err.problems.map((p) => `ConfigMap ${name} key "${entries[0]![0]}": ${p}`));
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

function toPlain(node: unknown, doc: Document): Plain {
  if (isAlias(node)) return toPlain(node.resolve(doc), doc);
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return null;
    return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
  }
  if (isSeq(node)) return node.items.map((item) => toPlain(item, doc));
  if (isMap(node)) {
    const out: PlainMap = {};
    for (const pair of node.items) {
      const key = toPlain(pair.key, doc);
      Object.defineProperty(out, typeof key === 'string' ? key : JSON.stringify(key), { value: toPlain(pair.value, doc), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return null;
}

/** Collects problems while reading typed fields out of plain YAML. */
class Reader {
  readonly problems: string[] = [];

  fail(path: string, message: string): undefined {
    this.problems.push(`${path}: ${message}`);
    return undefined;
  }

  map(v: Plain | undefined, path: string): PlainMap | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || Array.isArray(v)) return this.fail(path, 'must be a mapping');
    return v;
  }

  /** A mapping that must be there: a null or missing one is reported as well. */
  requireMap(v: Plain | undefined, path: string): PlainMap | undefined {
    if (v === undefined || v === null) return this.fail(path, 'must be a mapping');
    return this.map(v, path);
  }

  /** Strict decoding: a misspelt field would otherwise silently widen what a rule matches. */
  fields(m: PlainMap, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(m)) if (!allowed.includes(key)) this.fail(at(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
  }

  string(m: PlainMap, key: string, path: string): string | undefined {
    const v = Object.hasOwn(m, key) ? m[key] : undefined;
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.fail(at(path, key), 'must be a string');
  }

  /** A string that must be there and not be empty; a wrong type is reported once, as a wrong type. */
  requiredString(m: PlainMap, key: string, path: string): string | undefined {
    const v = Object.hasOwn(m, key) ? m[key] : undefined;
    if (v === undefined || v === null || v === '') return this.fail(at(path, key), 'required');
    return this.string(m, key, path);
  }

  list(m: PlainMap, key: string, path: string): Plain[] | undefined {
    const v = Object.hasOwn(m, key) ? m[key] : undefined;
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : this.fail(at(path, key), 'must be a list');
  }

  stringList(m: PlainMap, key: string, path: string): string[] {
    const items = this.list(m, key, path) ?? [];
    return items.flatMap((v, i) => (typeof v === 'string' ? [v] : (this.fail(`${at(path, key)}[${i}]`, 'must be a string'), [])));
  }
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function parseRule(r: Reader, raw: Plain, index: number): ResourceModifierRule | undefined {
  const field = `resourceModifierRules[${index}]`;
  const m = r.requireMap(raw, field);
  if (!m) return undefined;
  r.fields(m, ['conditions', ...PATCH_KINDS], field);
  const conditions = parseConditions(r, m, field);
  const patch = parsePatch(r, m, field);
  return conditions && patch && { index, field, conditions, patch };
}

function parseConditions(r: Reader, rule: PlainMap, rulePath: string): ResourceModifierConditions | undefined {
  const path = at(rulePath, 'conditions');
  const raw = Object.hasOwn(rule, 'conditions') ? rule['conditions'] : undefined;
  if (raw === undefined || raw === null) return r.fail(path, 'required');
  const m = r.map(raw, path);
  if (!m) return undefined;
  r.fields(m, ['groupResource', 'namespaces', 'resourceNameRegex', 'labelSelector', 'matches'], path);
  const groupResourceText = r.requiredString(m, 'groupResource', path);
  const groupResource = groupResourceText === undefined ? undefined : glob(r, groupResourceText, at(path, 'groupResource'), '.');
  const namespaces = r.stringList(m, 'namespaces', path).map((ns, i) => glob(r, ns, `${at(path, 'namespaces')}[${i}]`));
  const regexText = r.string(m, 'resourceNameRegex', path);
  const regex = regexText ? compileGoRegExp(regexText) : undefined;
  if (regex && !regex.ok) r.fail(at(path, 'resourceNameRegex'), `invalid regular expression: ${regex.error}`);
  const labelSelector = parseLabelSelector(r, m, path);
  const matches = parseMatches(r, m, path);
  if (!groupResource || namespaces.some((n) => n === undefined) || (regex && !regex.ok)) return undefined;
  return {
    groupResource,
    namespaces: namespaces as GlobMatcher[],
    ...(regex?.ok && { resourceNameRegex: regex.value }),
    ...(labelSelector && { labelSelector }),
    matches,
  };
}

function glob(r: Reader, pattern: string, path: string, separator?: string): GlobMatcher | undefined {
  try {
    return new GlobMatcher(pattern, separator);
  } catch (err) {
    if (err instanceof GlobSyntaxError) return r.fail(path, err.message);
    throw err;
  }
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A metav1.LabelSelector, checked as LabelSelectorAsSelector checks it. */
function parseLabelSelector(r: Reader, conditions: PlainMap, conditionsPath: string): LabelSelector | undefined {
  const path = at(conditionsPath, 'labelSelector');
  const m = r.map(Object.hasOwn(conditions, 'labelSelector') ? conditions['labelSelector'] : undefined, path);
  if (!m) return undefined;
  r.fields(m, ['matchLabels', 'matchExpressions'], path);
  const selector: LabelSelector = {};
  const labels = r.map(Object.hasOwn(m, 'matchLabels') ? m['matchLabels'] : undefined, at(path, 'matchLabels'));
  if (labels) {
    selector.matchLabels = {};
    for (const [k, v] of Object.entries(labels)) {
      const value = v ?? '';
      if (!validLabelKey(k)) r.fail(at(path, 'matchLabels'), `"${k}" is not a valid label key`);
      if (typeof value !== 'string' || !validLabelValue(value)) r.fail(at(at(path, 'matchLabels'), k), 'must be a valid label value');
      else selector.matchLabels[k] = value;
    }
  }
  const expressions = r.list(m, 'matchExpressions', path);
  if (expressions) selector.matchExpressions = expressions.flatMap((e, i) => parseRequirement(r, e, `${at(path, 'matchExpressions')}[${i}]`) ?? []);
  return selector;
}

function parseRequirement(r: Reader, raw: Plain, path: string): LabelSelectorRequirement | undefined {
  const m = r.requireMap(raw, path);
  if (!m) return undefined;
  r.fields(m, ['key', 'operator', 'values'], path);
  const key = r.requiredString(m, 'key', path);
  const operator = r.string(m, 'operator', path);
  const values = r.stringList(m, 'values', path);
  if (key === undefined) return undefined;
  if (!validLabelKey(key)) return r.fail(at(path, 'key'), `"${key}" is not a valid label key`);
  if (!OPERATORS.includes(operator as SelectorOperator)) return r.fail(at(path, 'operator'), `must be one of ${OPERATORS.join(', ')}`);
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) return r.fail(at(path, 'values'), `required for operator ${operator}`);
  if (!needsValues && values.length > 0) return r.fail(at(path, 'values'), `must be empty for operator ${operator}`);
  const bad = values.find((v) => !validLabelValue(v));
  if (bad !== undefined) return r.fail(at(path, 'values'), `"${bad}" is not a valid label value`);
  return needsValues ? { key, operator: operator as SelectorOperator, values } : { key, operator: operator as SelectorOperator };
}

function parseMatches(r: Reader, conditions: PlainMap, conditionsPath: string): JsonPatchOperation[] {
  const items = r.list(conditions, 'matches', conditionsPath) ?? [];
  return items.flatMap((raw, i) => {
    const path = `${at(conditionsPath, 'matches')}[${i}]`;
    const m = r.requireMap(raw, path);
    if (!m) return [];
    r.fields(m, ['path', 'value'], path);
    const pointer = pointerField(r, m, 'path', path);
    const value = valueField(r, m, path);
    return pointer !== undefined && value !== undefined ? [{ op: 'test' as const, path: pointer, value }] : [];
  });
}

/** A required, non-empty, well-formed JSON pointer. */
function pointerField(r: Reader, m: PlainMap, key: string, path: string): string | undefined {
  const pointer = r.requiredString(m, key, path);
  if (pointer === undefined) return undefined;
  try {
    parseJsonPointer(pointer);
    return pointer;
  } catch (err) {
    if (err instanceof JsonPatchError) return r.fail(at(path, key), err.message);
    throw err;
  }
}

function valueField(r: Reader, m: PlainMap, path: string): JsonValue | undefined {
  const embedded = embedPatchValue(r.string(m, 'value', path) ?? '');
  return embedded.ok ? embedded.value : r.fail(at(path, 'value'), embedded.error);
}

function parsePatch(r: Reader, rule: PlainMap, rulePath: string): RulePatch | undefined {
  const present = PATCH_KINDS.filter((kind) => (r.list(rule, kind, rulePath) ?? []).length > 0);
  if (present.length === 0) return r.fail(rulePath, `one of ${PATCH_KINDS.join(', ')} is required`);
  if (present.length > 1) return r.fail(rulePath, `only one of ${PATCH_KINDS.join(', ')} may be set (found ${present.join(', ')})`);
  const kind = present[0]!;
  const items = r.list(rule, kind, rulePath) ?? [];
  const paths = items.map((_, i) => `${at(rulePath, kind)}[${i}]`);
  if (kind === 'patches') {
    const operations = items.map((raw, i) => parseOperation(r, raw, paths[i]!));
    return operations.every((o) => o !== undefined) ? { type: 'json', operations: operations as JsonPatchOperation[] } : undefined;
  }
  const patches = items.map((raw, i) => parsePatchData(r, raw, paths[i]!));
  if (!patches.every((p) => p !== undefined)) return undefined;
  return { type: kind === 'mergePatches' ? 'merge' : 'strategic', patches: patches as JsonObject[] };
}

function parseOperation(r: Reader, raw: Plain, path: string): JsonPatchOperation | undefined {
  const m = r.requireMap(raw, path);
  if (!m) return undefined;
  r.fields(m, ['operation', 'from', 'path', 'value'], path);
  const name = r.requiredString(m, 'operation', path);
  if (name === undefined) return undefined;
  // Velero accepts the operation name in any case.
  const op = name.toLowerCase() as JsonPatchOp;
  if (!JSON_PATCH_OPS.includes(op)) return r.fail(at(path, 'operation'), `unsupported operation "${name}" (one of ${JSON_PATCH_OPS.join(', ')})`);
  const pointer = pointerField(r, m, 'path', path);
  if (op === 'move' || op === 'copy') {
    const from = pointerField(r, m, 'from', path);
    return pointer !== undefined && from !== undefined ? { op, from, path: pointer } : undefined;
  }
  if (op === 'remove') return pointer === undefined ? undefined : { op, path: pointer };
  const value = valueField(r, m, path);
  return pointer !== undefined && value !== undefined ? { op, path: pointer, value } : undefined;
}

/** `patchData`: a YAML or JSON document holding one object. */
function parsePatchData(r: Reader, raw: Plain, path: string): JsonObject | undefined {
  const m = r.requireMap(raw, path);
  if (!m) return undefined;
  r.fields(m, ['patchData'], path);
  const text = r.requiredString(m, 'patchData', path);
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return r.fail(at(path, 'patchData'), `not valid YAML/JSON: ${firstLine(doc.errors[0]!.message)}`);
  const value: unknown = doc.toJS();
  if (!isJsonObject(value)) return r.fail(at(path, 'patchData'), 'must be an object');
  const bad = nonJson(value);
  return bad ? r.fail(at(path, 'patchData'), bad) : value;
}

/** YAML can hold what JSON cannot (.inf, .nan, binary, dates); a patch must be plain JSON. */
function nonJson(v: unknown): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${v} is not a JSON number`;
  if (Array.isArray(v)) return v.map(nonJson).find((e) => e !== undefined);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).map(nonJson).find((e) => e !== undefined);
  return `a ${Object.prototype.toString.call(v).slice(8, -1)} value is not JSON`;
}
