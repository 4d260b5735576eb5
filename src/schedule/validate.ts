/**
 * @module schedule/validate: what makes a Schedule FailedValidation — its cron expression (Velero's two
 * messages) and, beyond Velero, what in its backup template every backup made from it would fail on.
 */
import { BackupSpecSchema, formatFieldErrors, validateAgainst, type Schedule } from '../api/index.ts';
import { namespaceListErrors } from '../backup/list-rules.ts';
import { selectorErrors } from '../backup/request.ts';
import { backupNameFits, MAX_NAME_LENGTH } from './backup.ts';
import { parseCron, type CronSchedule } from './cron.ts';

/** Velero's message for a missing expression. */
export const EMPTY_SCHEDULE_MESSAGE = 'Schedule must be a non-empty valid Cron expression';

export interface ScheduleCheck {
  /** The parsed expression, when it parses. */
  cron?: CronSchedule;
  /** Every problem found, each naming its field; empty when the schedule is valid. */
  errors: string[];
}

/** The expression: Velero's wording, `invalid schedule: <what is wrong>`. */
export function cronProblem(expression: string | undefined): { cron?: CronSchedule; error?: string } {
  if (expression === undefined || expression.trim() === '') return { error: EMPTY_SCHEDULE_MESSAGE };
  try {
    return { cron: parseCron(expression) };
  } catch (err) {
    return { error: `invalid schedule: ${(err as Error).message}` };
  }
}

/** The template as the backup controller will see it: fields named `spec.template.…`. */
function templateErrors(schedule: Schedule): string[] {
  const template = schedule.spec?.template;
  if (template === undefined || template === null) return ['spec.template: is required'];
  const schema = validateAgainst(BackupSpecSchema, template, 'spec.template');
  if (!schema.valid) return formatFieldErrors(schema.errors).split('\n');
  const errors = namespaceListErrors(template.includedNamespaces?.length ? template.includedNamespaces : ['*'], template.excludedNamespaces ?? []);
  if (template.labelSelector && template.orLabelSelectors?.length) errors.push('spec.labelSelector, spec.orLabelSelectors: only one of them may be set');
  if (template.labelSelector) errors.push(...selectorErrors('spec.labelSelector', template.labelSelector));
  (template.orLabelSelectors ?? []).forEach((sel, i) => errors.push(...selectorErrors(`spec.orLabelSelectors[${i}]`, sel)));
  return errors.map((e) => e.replace(/\bspec\./g, 'spec.template.'));
}

/** Checks a Schedule: the cron expression first (as Velero), then the template and the name. */
export function checkSchedule(schedule: Schedule): ScheduleCheck {
  const { cron, error } = cronProblem(schedule.spec?.schedule);
  const errors = error === undefined ? [] : [error];
  errors.push(...templateErrors(schedule));
  const name = schedule.metadata.name ?? '';
  if (!backupNameFits(name)) {
    errors.push(`metadata.name: too long for its backups' names (<name>-<YYYYMMDDhhmmss>, at most ${MAX_NAME_LENGTH} characters): use at most ${MAX_NAME_LENGTH - 15}`);
  }
  return cron === undefined ? { errors } : { cron, errors };
}
