/** @module cli/commands/schedule/pause — `skiff schedule pause|unpause NAMES | --all | -l [--skip-immediately]`. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Schedule } from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { aggregateError, withClient } from '../backup/common.ts';
import { optBool, optionalBoolOption, selectorStringArg } from '../backup/flag-values.ts';
import { readSelection, selectionLabelSelector, type Selection } from '../backup/select.ts';

/** The selected schedules, and the errors of names that could not be fetched (velero carries on past them). */
async function selectSchedules(client: KubeClient, namespace: string, sel: Selection): Promise<{ items: Schedule[]; errors: unknown[] }> {
  if (sel.kind !== 'names') return { items: (await client.list<Schedule>(VeleroResources.schedules, { namespace, labelSelector: selectionLabelSelector(sel) })).items, errors: [] };
  const items: Schedule[] = [];
  const errors: unknown[] = [];
  for (const name of sel.names) {
    try {
      items.push(await client.get<Schedule>(VeleroResources.schedules, name, { namespace }));
    } catch (err) {
      errors.push(err);
    }
  }
  return { items, errors };
}

/**
 * The merge patch that pauses or unpauses: `spec.paused`, and `spec.skipImmediately` set from the flag
 * (null, i.e. unset, when the flag is absent — then the server's default applies), as velero does.
 */
export function pausePatch(paused: boolean, skipImmediately: boolean | undefined): { spec: { paused: boolean; skipImmediately: boolean | null } } {
  return { spec: { paused, skipImmediately: skipImmediately ?? null } };
}

function pauseCommand(ctx: CliContext, paused: boolean): CommandUnknownOpts {
  const verb = paused ? 'pause' : 'unpause';
  const done = paused ? 'paused' : 'unpaused';
  const cmd = new Command(verb)
    .description(`${paused ? 'Pause' : 'Unpause'} schedules`)
    .argument('[names...]', `schedules to ${verb}`)
    .addOption(new Option('--all', `${paused ? 'Pause' : 'Unpause'} all schedules`))
    .addOption(new Option('-l, --selector <selector>', `${paused ? 'Pause' : 'Unpause'} all schedules matching this label selector.`).argParser(selectorStringArg))
    .addOption(optionalBoolOption('skip-immediately', "Skip the backup that is due at once when the schedule is unpaused; unset uses the server's --schedule-skip-immediately."));
  cmd.action(async (_names, _opts, self) => {
    const sel = readSelection(self, 'schedule');
    const skip = optBool(self.opts() as Record<string, unknown>, 'skipImmediately');
    await withClient(self, ctx, async (client, globals) => {
      const { items, errors } = await selectSchedules(client, globals.namespace, sel);
      if (items.length === 0 && errors.length === 0) ctx.stdout.write('No schedules found\n');
      for (const s of items) {
        const name = s.metadata.name ?? '';
        if ((s.spec?.paused === true) === paused) {
          ctx.stdout.write(`Schedule ${name} is already ${done}, skip\n`);
          continue;
        }
        try {
          await client.patch(VeleroResources.schedules, name, 'merge', pausePatch(paused, skip), { namespace: globals.namespace });
        } catch (err) {
          errors.push(err);
          continue;
        }
        ctx.stdout.write(`Schedule ${name} ${done} successfully\n`);
      }
      const failure = aggregateError(errors);
      if (failure) throw failure;
    });
  });
  return cmd;
}

export const schedulePauseCommand = (ctx: CliContext): CommandUnknownOpts => pauseCommand(ctx, true);
export const scheduleUnpauseCommand = (ctx: CliContext): CommandUnknownOpts => pauseCommand(ctx, false);
