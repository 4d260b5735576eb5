/** @module cli/commands/backup/select — `NAMES | --all | -l` selection and the `--confirm` / y/N prompt of delete commands. */
import { Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from '../../context.ts';
import { ExitError, UsageError } from '../../errors.ts';
import { commandPath } from '../../registry.ts';
import { ask, terminalInput } from '../../prompt.ts';
import { optBool, optString, selectorStringArg } from './flag-values.ts';

/** What a delete acts on: explicit names, everything, or a label selector. */
export type Selection = { kind: 'names'; names: string[] } | { kind: 'all' } | { kind: 'selector'; selector: string };

/** Adds `--confirm`, `--all` and `-l/--selector` with velero's wording (`what` is e.g. "backup"). */
export function addSelectFlags(cmd: CommandUnknownOpts, verb: string, what: string): void {
  const title = verb.charAt(0).toUpperCase() + verb.slice(1);
  cmd.addOption(new Option('--confirm', `Confirm ${verb === 'delete' ? 'deletion' : verb}`));
  cmd.addOption(new Option('--all', `${title} all ${what}s`));
  cmd.addOption(new Option('-l, --selector <selector>', `${title} all ${what}s matching this label selector.`).argParser(selectorStringArg));
}

/** Exactly one of NAMES, `--all` and `--selector`, as velero requires. */
export function readSelection(self: CommandUnknownOpts, what: string): Selection {
  const o = self.opts() as Record<string, unknown>;
  const names = self.args;
  const all = optBool(o, 'all') === true;
  const selector = optString(o, 'selector');
  const given = [names.length > 0, all, selector !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError(`you must specify exactly one of: specific ${what} name(s), the --all flag, or the --selector flag`, commandPath(self));
  }
  if (names.length > 0) return { kind: 'names', names: [...names] };
  if (all) return { kind: 'all' };
  return { kind: 'selector', selector: selector ?? '' };
}

/** The label selector of a list call for a selection that is not by name. */
export function selectionLabelSelector(sel: Selection): string | undefined {
  return sel.kind === 'selector' ? sel.selector : undefined;
}


/**
 * `--confirm` goes ahead; otherwise a y/N prompt when a person is at a terminal. Without one, nothing is
 * deleted and the command fails (velero would read EOF and silently do nothing): scripts must say --confirm.
 */
export async function confirmed(self: CommandUnknownOpts, ctx: CliContext): Promise<boolean> {
  if (optBool(self.opts() as Record<string, unknown>, 'confirm') === true) return true;
  const input = terminalInput(ctx);
  if (input === undefined) {
    throw new ExitError(1, `Not deleting anything: there is no terminal to confirm on. Run '${commandPath(self)}' with --confirm to delete without a prompt.`);
  }
  return ask(ctx, input);
}
