/** @module api/validate: compiled validators for the velero.io schemas, with errors that name the field. */
import { Compile, type Validator } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { kindInfo, type VeleroKind, type VeleroObjects } from './kinds.ts';
import { GO_DURATION_FORMAT, type Static, type TSchema } from './schema-kit.ts';

/** One problem with one field, e.g. `{ field: 'spec.ttl', message: 'must be a Go duration like 720h0m0s' }`. */
export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult<T> = { valid: true; value: T; errors: [] } | { valid: false; errors: FieldError[] };

/** Thrown by assertValid: the message lists every field error, one per line. */
export class ApiValidationError extends Error {
  readonly errors: readonly FieldError[];

  constructor(what: string, errors: readonly FieldError[]) {
    super(`invalid ${what}:\n${formatFieldErrors(errors)}`);
    this.name = 'ApiValidationError';
    this.errors = errors;
  }
}

/** `spec.ttl: must be a Go duration like 720h0m0s`, one error per line. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('\n');
}

/** TypeBox's error, read loosely: its typed union by keyword is more than translate() needs. */
interface TypeBoxError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

// Compiling is the slow part (~ms per kind), so each schema compiles once, on first use.
const compiled = new WeakMap<TSchema, Validator>();

function checkerFor(schema: TSchema): Validator {
  let checker = compiled.get(schema);
  if (checker === undefined) {
    checker = Compile(schema);
    compiled.set(schema, checker);
  }
  return checker;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `/spec/hooks/resources/0/name` → `spec.hooks.resources[0].name`; map keys that are not identifiers get quotes. */
function fieldName(base: string, pointer: string): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(root)' : out;
}

const ARTICLE_TYPES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function formatMessage(format: string): string {
  if (format === GO_DURATION_FORMAT) return 'must be a Go duration like 720h0m0s, 10m or 1h30m';
  if (format === 'date-time') return 'must be an RFC 3339 time like 2025-01-02T03:04:05Z';
  if (format === 'byte') return 'must be base64';
  return `must be a valid ${format}`;
}

function describeValues(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** TypeBox's error → ours (or nothing, for the bookkeeping errors of a `T | null` union). */
function translate(e: TypeBoxError, base: string): FieldError[] {
  const field = fieldName(base, e.instancePath);
  const nullableBranch = /\/anyOf\/\d+$/.test(e.schemaPath);
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params['requiredProperties'] as string[] | undefined) ?? [];
      return missing.map((p) => ({ field: fieldName(base, `${e.instancePath}/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`), message: 'is required' }));
    }
    case 'type': {
      const type = String(e.params['type']);
      // The null branch of a nullable field: the other branch's error says what is wrong.
      if (type === 'null' && nullableBranch) return [];
      const orNull = nullableBranch ? ' or null' : '';
      return [{ field, message: `must be ${ARTICLE_TYPES[type] ?? type}${orNull}` }];
    }
    case 'anyOf':
      return [];
    case 'format':
      return [{ field, message: formatMessage(String(e.params['format'])) }];
    case 'enum':
      return [{ field, message: `must be one of ${describeValues((e.params['allowedValues'] as unknown[] | undefined) ?? [])}` }];
    case 'const':
      return [{ field, message: `must be ${JSON.stringify(e.params['allowedValue'])}` }];
    case 'minItems':
      return [{ field, message: `must have at least ${String(e.params['limit'] ?? e.params['minItems'] ?? 1)} item(s)` }];
    default:
      return [{ field, message: e.message }];
  }
}

/** TypeBox stops at 8 errors by default (a global setting); a user fixing a spec wants them all, within reason. */
const MAX_ERRORS = 64;

function collectErrors(checker: Validator, value: unknown): TypeBoxError[] {
  const previous = Settings.Get().maxErrors;
  // Synchronous, so no other validation can observe the raised limit.
  Settings.Set({ maxErrors: MAX_ERRORS });
  try {
    return checker.Errors(value) as unknown as TypeBoxError[];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/**
 * Validates any value against any of our schemas. `base` prefixes field names, e.g. `spec` when checking
 * just a BackupSpec. Errors come in the order TypeBox finds them, without duplicates.
 */
export function validateAgainst<S extends TSchema>(schema: S, value: unknown, base = ''): ValidationResult<Static<S>> {
  const checker = checkerFor(schema);
  if (checker.Check(value)) return { valid: true, value: value as Static<S>, errors: [] };
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of collectErrors(checker, value)) {
    for (const fe of translate(e, base)) {
      const key = `${fe.field}\0${fe.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(fe);
    }
  }
  // Never report "invalid" without a reason, even for an error shape translate() does not know.
  if (errors.length === 0) errors.push({ field: base || '(root)', message: 'does not match the schema' });
  return { valid: false, errors };
}

/** Validates a whole object of a velero.io kind against that kind's schema. */
export function validate<K extends VeleroKind>(kind: K, obj: unknown): ValidationResult<VeleroObjects[K]> {
  return validateAgainst(kindInfo(kind).schema, obj) as ValidationResult<VeleroObjects[K]>;
}

/** Returns the object typed as its kind, or throws ApiValidationError listing every field error. */
export function assertValid<K extends VeleroKind>(kind: K, obj: unknown): VeleroObjects[K] {
  const result = validate(kind, obj);
  if (!result.valid) throw new ApiValidationError(kind, result.errors);
  return result.value;
}

/** True when the object is a valid instance of the kind. */
export function isValid<K extends VeleroKind>(kind: K, obj: unknown): obj is VeleroObjects[K] {
  return checkerFor(kindInfo(kind).schema).Check(obj);
}

export const validateBackup = (obj: unknown): ValidationResult<VeleroObjects['Backup']> => validate('Backup', obj);
export const validateRestore = (obj: unknown): ValidationResult<VeleroObjects['Restore']> => validate('Restore', obj);
export const validateSchedule = (obj: unknown): ValidationResult<VeleroObjects['Schedule']> => validate('Schedule', obj);
export const validateBackupStorageLocation = (obj: unknown): ValidationResult<VeleroObjects['BackupStorageLocation']> =>
  validate('BackupStorageLocation', obj);
export const validateVolumeSnapshotLocation = (obj: unknown): ValidationResult<VeleroObjects['VolumeSnapshotLocation']> =>
  validate('VolumeSnapshotLocation', obj);
export const validateDeleteBackupRequest = (obj: unknown): ValidationResult<VeleroObjects['DeleteBackupRequest']> =>
  validate('DeleteBackupRequest', obj);
export const validateDownloadRequest = (obj: unknown): ValidationResult<VeleroObjects['DownloadRequest']> => validate('DownloadRequest', obj);
export const validatePodVolumeBackup = (obj: unknown): ValidationResult<VeleroObjects['PodVolumeBackup']> => validate('PodVolumeBackup', obj);
export const validatePodVolumeRestore = (obj: unknown): ValidationResult<VeleroObjects['PodVolumeRestore']> => validate('PodVolumeRestore', obj);
export const validateBackupRepository = (obj: unknown): ValidationResult<VeleroObjects['BackupRepository']> => validate('BackupRepository', obj);
export const validateServerStatusRequest = (obj: unknown): ValidationResult<VeleroObjects['ServerStatusRequest']> =>
  validate('ServerStatusRequest', obj);
export const validateDataUpload = (obj: unknown): ValidationResult<VeleroObjects['DataUpload']> => validate('DataUpload', obj);
export const validateDataDownload = (obj: unknown): ValidationResult<VeleroObjects['DataDownload']> => validate('DataDownload', obj);
