/** @module cli/program — builds the `skiff` command tree and wires commander's output and errors to the context. */
import type { CommandUnknownOpts, CommanderError } from '@commander-js/extra-typings';
import type { CliContext } from './context.ts';
import { addGlobalOptions } from './globals.ts';
import { createGroupCommand, registerResources } from './registry.ts';
import type { CommandFactory, ResourceModule } from './registry.ts';

export const ROOT_DESCRIPTION = 'Back up and restore Kubernetes cluster resources (a drop-in for Velero)';

export interface BuildOptions {
  /** Noun-verb resources (the full list: resources.ts). */
  resources: readonly ResourceModule[];
  /** Standalone top-level commands (the full list: resources.ts). */
  commands: readonly CommandFactory[];
}

/**
 * Commander reported a parse problem (or displayed help) for `command`;
 * thrown from exitOverride so runCli decides the exit code instead of
 * commander calling process.exit.
 */
export class ParseFailure extends Error {
  readonly commanderError: CommanderError;
  readonly command: CommandUnknownOpts;

  constructor(commanderError: CommanderError, command: CommandUnknownOpts) {
    super(commanderError.message);
    this.name = 'ParseFailure';
    this.commanderError = commanderError;
    this.command = command;
  }
}

/**
 * Applies output, help and exit settings to every command. addCommand() (which
 * factories need) does not copy settings from the parent as .command() does,
 * so they are applied to the finished tree.
 */
function configureTree(cmd: CommandUnknownOpts, ctx: CliContext): void {
  cmd.configureOutput({
    writeOut: (s) => void ctx.stdout.write(s),
    writeErr: (s) => void ctx.stderr.write(s),
    // runCli prints errors itself, cobra-style.
    outputError: () => undefined,
    getOutHelpWidth: () => ctx.stdout.columns ?? 80,
    getErrHelpWidth: () => ctx.stderr.columns ?? 80,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  cmd.configureHelp({ showGlobalOptions: true, sortSubcommands: true });
  cmd.exitOverride((err) => {
    throw new ParseFailure(err, cmd);
  });
  for (const sub of cmd.commands) configureTree(sub, ctx);
}

/** The root `skiff` command with global flags, standalone commands and resources. */
export function buildProgram(ctx: CliContext, options: BuildOptions): CommandUnknownOpts {
  const root = createGroupCommand('skiff', ROOT_DESCRIPTION);
  // Groups have an action (bare group → help on stdout), which turns commander's
  // implicit `help` command off; the root keeps it, as cobra's does.
  root.helpCommand(true);
  addGlobalOptions(root);
  for (const factory of options.commands) root.addCommand(factory(ctx));
  registerResources(root, options.resources, ctx);
  configureTree(root, ctx);
  return root;
}
