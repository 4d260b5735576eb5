/** @module cli/run-cli — runs one `skiff` invocation in-process and turns every outcome into an exit code. */
import type { CommandUnknownOpts, CommanderError } from '@commander-js/extra-typings';
import type { CliContext } from './context.ts';
import { ExitError, UsageError } from './errors.ts';
import { buildProgram, ParseFailure } from './program.ts';
import type { BuildOptions } from './program.ts';
import { commandPath } from './registry.ts';

/**
 * The command tree `argv` needs. `skiff repo …` is the operator's recovery tool and runs beside big volumes:
 * it loads only its own subtree, not the cluster commands' API schemas and Kubernetes client (~1,300 modules,
 * ~60 MB of RSS). Anything else, including root help, gets the whole tree. bin/skiff's `[ "$1" = repo ]`
 * (the volume-data commands' own V8 flags) mirrors this test: change both together.
 */
async function commandsFor(argv: readonly string[]): Promise<BuildOptions> {
  if (argv[0] === 'repo') return { commands: [(await import('./commands/repo/index.ts')).repoCommand], resources: [] };
  const { defaultCommands, defaultResources } = await import('./resources.ts');
  return { commands: defaultCommands, resources: defaultResources };
}

/** Codes commander uses when it displayed help or a version rather than failing. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Drops a `<value>`/`[value]` placeholder: `-o, --output <format>` → `-o, --output`. */
function flagNames(flags: string): string {
  return flags.replace(/\s*[<[].*$/, '');
}

/** Rewrites commander's wording into cobra's, which Velero users and their scripts know. */
export function cobraMessage(err: CommanderError): string {
  const message = err.message.replace(/^error: /, '');
  if (err.code === 'commander.unknownOption') {
    const flag = /unknown option '([^']+)'/.exec(message)?.[1] ?? '';
    if (flag.startsWith('--')) return `unknown flag: ${flag}`;
    if (flag !== '') return `unknown shorthand flag: '${flag.charAt(1)}' in ${flag}`;
  }
  if (err.code === 'commander.invalidArgument') {
    const m = /^option '(.+?)' argument '(.*)' is invalid\.\s*([\s\S]*)$/.exec(message);
    if (m) return `invalid argument "${m[2]}" for "${flagNames(m[1] ?? '')}" flag: ${m[3]}`;
  }
  return message;
}

function usage(ctx: CliContext, message: string, path: string): number {
  ctx.stderr.write(`Error: ${message}\nRun '${path} --help' for usage.\n`);
  return 1;
}

function report(err: unknown, ctx: CliContext, active: CommandUnknownOpts | undefined): number {
  if (err instanceof ParseFailure) {
    const ce = err.commanderError;
    if (HELP_CODES.has(ce.code)) return ce.exitCode;
    return usage(ctx, cobraMessage(ce), commandPath(err.command));
  }
  if (err instanceof UsageError) {
    return usage(ctx, err.message, err.commandPath ?? (active ? commandPath(active) : 'skiff'));
  }
  if (err instanceof ExitError) {
    if (err.message !== '') ctx.stderr.write(`${err.message}\n`);
    return err.exitCode;
  }
  const debug = ctx.env['SKIFF_DEBUG'] === '1';
  const text = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
  // Velero's CheckError wording.
  ctx.stderr.write(`An error occurred: ${text}\n`);
  return 1;
}

/**
 * Runs `skiff <argv...>` (argv without node and script) against `ctx` and
 * resolves to the exit code; never calls process.exit, so tests call it
 * directly and capture output.
 */
export async function runCli(argv: readonly string[], ctx: CliContext, options?: BuildOptions): Promise<number> {
  let active: CommandUnknownOpts | undefined;
  try {
    const program = buildProgram(ctx, options ?? (await commandsFor(argv)));
    // Remember which command is running so usage errors from actions get the right hint.
    program.hook('preAction', (_self, actionCommand) => {
      active = actionCommand;
    });
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return report(err, ctx, active);
  }
}
