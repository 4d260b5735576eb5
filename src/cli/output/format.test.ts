/** @module cli/output/format.test — the -o/-L/--show-labels flags and their validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from '../context.ts';
import { run, testContext } from '../testing.ts';
import { addOutputFlags, readOutputOptions } from './format.ts';
import type { OutputFlagSpec } from './format.ts';

/** A `show` command that echoes its parsed output options. */
function show(spec: OutputFlagSpec): (ctx: CliContext) => CommandUnknownOpts {
  return (ctx) => {
    const cmd = new Command('show').action((_opts, self) => {
      ctx.stdout.write(JSON.stringify(readOutputOptions(self)));
    });
    addOutputFlags(cmd, spec);
    return cmd;
  };
}

async function options(spec: OutputFlagSpec, ...argv: string[]) {
  return run(['show', ...argv], testContext(), { commands: [show(spec)], resources: [] });
}

test('defaults per command, or unset', async () => {
  assert.deepEqual(JSON.parse((await options({ default: 'table' })).stdout), { format: 'table', labelColumns: [], showLabels: false });
  assert.deepEqual(JSON.parse((await options({})).stdout), { labelColumns: [], showLabels: false });
});

test('-o, -L (repeatable, comma-separated) and --show-labels parse', async () => {
  const r = await options({ default: 'table' }, '-o', 'yaml', '-L', 'app,tier', '-L', 'velero.io/x', '--show-labels');
  assert.deepEqual(JSON.parse(r.stdout), { format: 'yaml', labelColumns: ['app', 'tier', 'velero.io/x'], showLabels: true });
  assert.equal(JSON.parse((await options({}, '--output=json')).stdout).format, 'json');
});

test('an invalid -o value names the flag and the allowed values', async () => {
  const r = await options({ default: 'table' }, '-o', 'xml');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `Error: invalid argument "xml" for "-o, --output" flag: valid formats are 'table', 'json', 'yaml'\nRun 'skiff show --help' for usage.\n`,
  );
  const restricted = await options({ allowed: ['json', 'yaml'] }, '-o', 'table');
  assert.match(restricted.stderr, /^Error: invalid argument "table" for "-o, --output" flag: valid formats are 'json', 'yaml'\n/);
});

test('labelFlags: false adds only -o', async () => {
  const r = await options({ labelFlags: false }, '-L', 'app');
  assert.equal(r.stderr, "Error: unknown shorthand flag: 'L' in -L\nRun 'skiff show --help' for usage.\n");
});

test('help replaces the create-command wording of -o', async () => {
  const velero = await options({}, '--help');
  assert.match(velero.stdout, /For create commands,\s+display the object/);
  const own = await options({ help: "output format: 'table' or 'json'" }, '--help');
  assert.match(own.stdout, /-o, --output <format>\s+output format: 'table' or 'json'/);
  assert.doesNotMatch(own.stdout, /create\s+commands/);
});
