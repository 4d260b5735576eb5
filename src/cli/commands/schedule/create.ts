/** @module cli/commands/schedule/create — `skiff schedule create NAME --schedule CRON` (also `skiff create schedule`), with velero's flags. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources } from '../../../api/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { resolveGlobals } from '../../globals.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import { commandPath } from '../../registry.ts';
import { apiError, printVeleroObjects, withClient } from '../backup/common.ts';
import { addBackupSpecFlags, checkLocations, readBackupSpecFlags } from '../backup/create.ts';
import * as v from '../backup/flag-values.ts';
import { buildValidSchedule, scheduleFlagProblem, type ScheduleCreateOptions } from './build.ts';
import { scheduleColumns } from './table.ts';

/** The parsed flags as buildSchedule's options. */
export function readScheduleCreateFlags(self: CommandUnknownOpts): ScheduleCreateOptions {
  const o = self.opts() as Record<string, unknown>;
  const out: ScheduleCreateOptions = { ...readBackupSpecFlags(self) };
  const name = self.args[0];
  if (name !== undefined) out.name = name;
  const schedule = v.optString(o, 'schedule');
  if (schedule !== undefined) out.schedule = schedule;
  for (const key of ['useOwnerReferencesInBackup', 'paused', 'skipImmediately'] as const) {
    const value = v.optBool(o, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function scheduleCreateCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('create')
    .description('Create a schedule')
    .argument('[name]', 'name of the schedule')
    .addOption(new Option('--schedule <cron>', "A cron expression (5 fields, @daily-style, '@every 6h', optional 'CRON_TZ=<zone> ' prefix) for when backups run. Required."));
  addBackupSpecFlags(cmd);
  cmd
    .addOption(v.optionalBoolOption('use-owner-references-in-backup', 'Make the schedule the owner of its backups, so deleting the schedule deletes them (their data in object storage stays).'))
    .addOption(v.optionalBoolOption('paused', 'Create the schedule paused.'))
    .addOption(v.optionalBoolOption('skip-immediately', "Skip the backup that is due at once when the schedule is created or unpaused; unset uses the server's --schedule-skip-immediately."));
  addOutputFlags(cmd);
  cmd.action(async (_name, _opts, self) => {
    const opts = readScheduleCreateFlags(self);
    const problem = scheduleFlagProblem(opts);
    if (problem !== undefined) throw new UsageError(problem, commandPath(self));
    const output = readOutputOptions(self);
    const namespace = resolveGlobals(self, ctx).namespace;
    const checksLocations = !!opts.storageLocation || (opts.volumeSnapshotLocations ?? []).length > 0;
    if (output.format !== undefined && !checksLocations) {
      printVeleroObjects(ctx, [buildValidSchedule(opts, namespace)], output, 'Schedule', scheduleColumns());
      return;
    }
    await withClient(self, ctx, async (client) => {
      await checkLocations(client, namespace, opts);
      const schedule = buildValidSchedule(opts, namespace);
      if (output.format !== undefined) return printVeleroObjects(ctx, [schedule], output, 'Schedule', scheduleColumns());
      try {
        await client.createOnly(VeleroResources.schedules, schedule);
      } catch (err) {
        throw apiError(err);
      }
      ctx.stdout.write(`Schedule "${schedule.metadata.name}" created successfully.\n`);
    });
  });
  return cmd;
}
