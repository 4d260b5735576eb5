/** @module cli/registry — noun-verb command registration: `skiff backup get` == `skiff get backups`. */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from './context.ts';
import { UsageError } from './errors.ts';

/** Builds one fresh command. Commander commands cannot have two parents, so it is called once per placement. */
export type CommandFactory = (ctx: CliContext) => CommandUnknownOpts;

/** Verbs Velero's resources have; the first four also exist as top-level groups. */
export type Verb =
  | 'create'
  | 'get'
  | 'describe'
  | 'delete'
  | 'logs'
  | 'download'
  | 'set'
  | 'pause'
  | 'unpause'
  | 'add'
  | 'remove';

/** The verbs that also form `skiff <verb> <noun>` groups, with Velero's group descriptions. */
export const GROUP_VERBS = {
  create: 'Create skiff resources',
  get: 'Get skiff resources',
  describe: 'Describe skiff resources',
  delete: 'Delete skiff resources',
} as const satisfies Partial<Record<Verb, string>>;
type GroupVerb = keyof typeof GROUP_VERBS;

/** A resource kind and the verbs it supports; see resources.ts for the live list. */
export interface ResourceModule {
  /** Singular, as in `skiff backup create`. */
  noun: string;
  /** As in `skiff get backups`. */
  plural: string;
  /** Extra names for the noun (e.g. a short form). */
  aliases?: readonly string[];
  /** Shown for `skiff <noun>`, e.g. "Work with backups". */
  description: string;
  /** Verb → factory; declaration order is help order under the noun. */
  verbs: Partial<Record<Verb, CommandFactory>>;
}

/** Velero's get/describe groups are named by the plural, create/delete by the singular. */
const PLURAL_IN_GROUP: Record<GroupVerb, boolean> = { create: false, get: true, describe: true, delete: false };

function unique(names: readonly string[], except: string): string[] {
  return [...new Set(names)].filter((n) => n !== except);
}

/** The `skiff a b` path of a command, for messages and hints. */
export function commandPath(cmd: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Levenshtein distance, for "Did you mean this?" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Cobra's suggestion rule: edit distance ≤ 2, or the typed text is a prefix. */
function suggestions(typed: string, group: CommandUnknownOpts): string[] {
  return group
    .createHelp()
    .visibleCommands(group)
    .map((c) => c.name())
    .filter((n) => distance(typed.toLowerCase(), n.toLowerCase()) <= 2 || n.startsWith(typed));
}

/**
 * A command that only holds subcommands. Bare, it prints its help to stdout
 * and exits 0 (cobra does; commander would exit 1); with an unknown
 * subcommand it fails with cobra's message and suggestions.
 */
export function createGroupCommand(name: string, description: string): CommandUnknownOpts {
  const group = new Command(name).description(description).allowExcessArguments();
  group.action((_opts, self) => {
    const typed = self.args[0];
    if (typed === undefined) {
      self.outputHelp();
      return;
    }
    const similar = suggestions(typed, self);
    const hint = similar.length > 0 ? `\n\nDid you mean this?\n${similar.map((s) => `\t${s}\n`).join('')}` : '';
    throw new UsageError(`unknown command "${typed}" for "${commandPath(self)}"${hint}`, commandPath(self));
  });
  return group;
}

/** Places one verb's fresh command under a name, replacing whatever the factory called it. */
function place(factory: CommandFactory, ctx: CliContext, name: string, aliases: readonly string[]): CommandUnknownOpts {
  const cmd = factory(ctx);
  cmd.name(name);
  if (aliases.length > 0) cmd.aliases(unique(aliases, name));
  return cmd;
}

/**
 * Adds `skiff <noun> <verb>` for every resource, and `skiff <verb> <noun>`
 * groups for create/get/describe/delete (only groups some resource uses).
 * Both placements run the same factory, so they share flags and behaviour.
 */
export function registerResources(root: CommandUnknownOpts, resources: readonly ResourceModule[], ctx: CliContext): void {
  for (const r of resources) {
    const nounCmd = createGroupCommand(r.noun, r.description);
    if (r.aliases !== undefined && r.aliases.length > 0) nounCmd.aliases(unique(r.aliases, r.noun));
    for (const [verb, factory] of Object.entries(r.verbs)) {
      if (factory !== undefined) nounCmd.addCommand(place(factory, ctx, verb, []));
    }
    root.addCommand(nounCmd);
  }
  for (const [verb, description] of Object.entries(GROUP_VERBS) as [GroupVerb, string][]) {
    const users = resources.filter((r) => r.verbs[verb] !== undefined);
    if (users.length === 0) continue;
    const group = createGroupCommand(verb, description);
    for (const r of users) {
      const [name, other] = PLURAL_IN_GROUP[verb] ? [r.plural, r.noun] : [r.noun, r.plural];
      group.addCommand(place(r.verbs[verb] as CommandFactory, ctx, name, [other, ...(r.aliases ?? [])]));
    }
    root.addCommand(group);
  }
}
