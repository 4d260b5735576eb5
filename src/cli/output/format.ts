/** @module cli/output/format — the `-o/--output`, `-L/--label-columns` and `--show-labels` flags. */
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { commaListArg } from '../flags.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputFlagSpec {
  /** Format when `-o` is absent; undefined means "not set" (create commands then act instead of printing). */
  default?: OutputFormat;
  /** Accepted formats; default all three (install accepts only json and yaml). */
  allowed?: readonly OutputFormat[];
  /** Also add `-L/--label-columns` and `--show-labels` (default true, as Velero's BindFlags). */
  labelFlags?: boolean;
  /** The help of `-o`; default Velero's, which speaks of create commands. */
  help?: string;
}

/** What a command's action needs to call printObjects. */
export interface OutputOptions {
  format: OutputFormat | undefined;
  labelColumns: string[];
  showLabels: boolean;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

/** Returns the format, or throws naming the allowed values (commander adds the flag name). */
export function parseOutputFormat(value: string, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const found = allowed.find((f) => f === value);
  if (found === undefined) throw new InvalidArgumentError(`valid formats are ${quoteList(allowed)}`);
  return found;
}

/** Adds Velero's output flags to `cmd`; read them back in the action with readOutputOptions. */
export function addOutputFlags(cmd: CommandUnknownOpts, spec: OutputFlagSpec = {}): void {
  const allowed = spec.allowed ?? OUTPUT_FORMATS;
  const output = new Option(
    '-o, --output <format>',
    spec.help ?? `Output display format. For create commands, display the object but do not send it to the server. Valid formats are ${quoteList(allowed)}.`,
  ).argParser((value: string) => parseOutputFormat(value, allowed));
  if (spec.default !== undefined) output.default(spec.default);
  cmd.addOption(output);
  if (spec.labelFlags === false) return;
  cmd.addOption(
    new Option(
      '-L, --label-columns <labels>',
      'Accepts a comma separated list of labels that are going to be presented as columns. Names are case-sensitive. You can also use multiple flag options like -L label1 -L label2...',
    ).argParser(commaListArg),
  );
  cmd.addOption(new Option('--show-labels', 'Show labels in the last column'));
}

export function readOutputOptions(cmd: CommandUnknownOpts): OutputOptions {
  const o = cmd.opts() as Record<string, unknown>;
  const format = o['output'];
  return {
    format: typeof format === 'string' ? parseOutputFormat(format) : undefined,
    labelColumns: Array.isArray(o['labelColumns']) ? (o['labelColumns'] as string[]) : [],
    showLabels: o['showLabels'] === true,
  };
}
