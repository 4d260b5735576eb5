/** @module cli/commands/repo/retention — the `--keep-*` flags of `skiff repo forget` and the retention policy they describe. */
import { Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { RetentionPolicy } from '../../../repo/index.ts';
import { positiveIntArg, tagArg, withinArg } from './flags.ts';

/** The `--keep-*` count flags: the word (flag `--keep-WORD`, policy field WORD) and the help. */
export const KEEP_COUNTS = [
  ['last', 'keep the N most recent snapshots'],
  ['hourly', 'keep the most recent snapshot of each of the last N hours that have one'],
  ['daily', 'keep the most recent snapshot of each of the last N days that have one'],
  ['weekly', 'keep the most recent snapshot of each of the last N weeks that have one'],
  ['monthly', 'keep the most recent snapshot of each of the last N months that have one'],
  ['yearly', 'keep the most recent snapshot of each of the last N years that have one'],
] as const;

/** The retention policy the `--keep-*` flags describe, or undefined when none is given. */
export function retentionPolicy(o: Record<string, unknown>): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  let given = false;
  for (const [word] of KEEP_COUNTS) {
    const v = o[`keep${word.charAt(0).toUpperCase()}${word.slice(1)}`];
    if (typeof v === 'number') {
      policy[word] = v;
      given = true;
    }
  }
  if (typeof o['keepWithin'] === 'string') {
    policy.within = o['keepWithin'];
    given = true;
  }
  if (Array.isArray(o['keepTag']) && o['keepTag'].length > 0) {
    policy.tags = o['keepTag'] as string[];
    given = true;
  }
  return given ? policy : undefined;
}

/** Adds `--keep-last … --keep-yearly`, `--keep-within`, `--keep-tag`. */
export function addRetentionFlags(cmd: CommandUnknownOpts): void {
  for (const [word, help] of KEEP_COUNTS) cmd.addOption(new Option(`--keep-${word} <n>`, help).argParser(positiveIntArg));
  cmd.addOption(new Option('--keep-within <duration>', 'keep every snapshot this much younger than the newest of its source: 7d, 2w, 1y6m, 36h (y years, m months, w weeks, d days, h hours)').argParser(withinArg));
  cmd.addOption(new Option('--keep-tag <tag>', 'keep every snapshot with this tag (repeatable)').argParser(tagArg));
}
