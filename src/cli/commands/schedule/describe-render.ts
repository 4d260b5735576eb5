/** @module cli/commands/schedule/describe-render — `schedule describe` text from a Schedule (pure), in velero's section order. */
import type { Schedule } from '../../../api/index.ts';
import { DescribeWriter } from '../../output/describe.ts';
import { formatTimestamp } from '../../output/time.ts';
import { describeMetadata, describeSpec, describeValidationErrors } from '../backup/describe-render.ts';

/** The backup template: the same block `backup describe` prints for a spec, indented one level. */
function describeTemplate(d: DescribeWriter, s: Schedule): void {
  const block = new DescribeWriter();
  describeSpec(block, s.spec?.template ?? {});
  d.text(block.render().replace(/\n$/, ''), 1);
}

export function renderScheduleDescription(s: Schedule, colorized: boolean): string {
  const d = new DescribeWriter();
  describeMetadata(d, s.metadata, colorized);
  d.blank();
  d.line('Phase', s.status?.phase || 'New');
  const template = s.spec?.template ?? {};
  if (template.resourcePolicy) {
    d.blank();
    d.heading('Resource policies');
    d.line('Type', template.resourcePolicy.kind, 1);
    d.line('Name', template.resourcePolicy.name, 1);
  }
  const parallel = template.uploaderConfig?.parallelFilesUpload ?? 0;
  if (parallel > 0) {
    d.blank();
    d.heading('Uploader config');
    d.line('Parallel files upload', parallel, 1);
  }
  const errors = s.status?.validationErrors ?? [];
  if (errors.length > 0) {
    d.blank();
    describeValidationErrors(d, errors, colorized);
  }
  d.blank();
  d.line('Paused', s.spec?.paused === true);
  d.blank();
  d.line('Schedule', s.spec?.schedule ?? '');
  d.blank();
  d.heading('Backup Template');
  describeTemplate(d, s);
  d.blank();
  d.line('Last Backup', s.status?.lastBackup ? formatTimestamp(s.status.lastBackup) : '<never>');
  return d.render();
}
