/** @module cli/registry.test — noun-verb registration with a dummy resource. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from './context.ts';
import { UsageError } from './errors.ts';
import { resolveGlobals } from './globals.ts';
import type { ResourceModule } from './registry.ts';
import { run, testContext } from './testing.ts';

/** `get [NAMES...] [--selector]`: echoes what it received so both placements can be compared. */
function widgetGet(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('get')
    .description('Get widgets')
    .argument('[names...]')
    .option('-l, --selector <selector>', 'label selector')
    .action((names, opts, self) => {
      const g = resolveGlobals(self, ctx);
      ctx.stdout.write(`get ${names.join(',') || '*'} selector=${opts.selector ?? ''} ns=${g.namespace}\n`);
    });
  return cmd;
}

function widgetCreate(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('create')
    .description('Create a widget')
    .argument('<name>')
    .action((name) => {
      if (name === 'bad') throw new UsageError('widget names cannot be "bad"');
      ctx.stdout.write(`created ${name}\n`);
    });
  return cmd;
}

function widgetPause(ctx: CliContext): CommandUnknownOpts {
  return new Command('pause').description('Pause a widget').action(() => void ctx.stdout.write('paused\n'));
}

const widget: ResourceModule = {
  noun: 'widget',
  plural: 'widgets',
  aliases: ['wd'],
  description: 'Work with widgets',
  verbs: { create: widgetCreate, get: widgetGet, pause: widgetPause },
};

const gadget: ResourceModule = {
  noun: 'gadget',
  plural: 'gadgets',
  description: 'Work with gadgets',
  verbs: { get: widgetGet },
};

const resources = [widget, gadget];

async function skiff(...argv: string[]) {
  return run(argv, testContext(), { resources, commands: [] });
}

test('noun-verb and verb-noun run the same command, singular or plural', async () => {
  const expected = 'get a,b selector=app=x ns=team\n';
  for (const argv of [
    ['widget', 'get', 'a', 'b', '-l', 'app=x', '-n', 'team'],
    ['get', 'widgets', 'a', 'b', '-l', 'app=x', '-n', 'team'],
    ['get', 'widget', 'a', 'b', '--selector=app=x', '--namespace', 'team'],
    ['-n', 'team', 'get', 'wd', 'a', 'b', '-l', 'app=x'],
    ['wd', 'get', '-n', 'team', 'a', 'b', '-l', 'app=x'],
  ]) {
    const r = await skiff(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, expected, argv.join(' '));
  }
  assert.equal((await skiff('create', 'widget', 'w1')).stdout, 'created w1\n');
  assert.equal((await skiff('create', 'widgets', 'w1')).stdout, 'created w1\n');
  assert.equal((await skiff('widget', 'create', 'w1')).stdout, 'created w1\n');
});

test('non-group verbs exist only under the noun; groups only for verbs in use', async () => {
  assert.equal((await skiff('widget', 'pause')).stdout, 'paused\n');
  const r = await skiff('pause', 'widget');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: unknown command "pause" for "skiff"/);
  const d = await skiff('describe', 'widgets');
  assert.match(d.stderr, /^Error: unknown command "describe" for "skiff"/);
});

test('help lists nouns, groups and both spellings', async () => {
  const root = await skiff('--help');
  assert.equal(root.code, 0);
  assert.match(root.stdout, /^ {2}widget\|wd\b.*Work with widgets$/m);
  assert.match(root.stdout, /^ {2}gadget\b.*Work with gadgets$/m);
  assert.match(root.stdout, /^ {2}get\b.*Get skiff resources$/m);
  assert.match(root.stdout, /^ {2}create\b.*Create skiff resources$/m);
  assert.match(root.stdout, /^ {2}help \[command\]/m);
  assert.match(root.stdout, /--kubeconfig <path>/);
  const get = await skiff('get', '--help');
  assert.match(get.stdout, /^ {2}widgets\|widget \[options\] \[names\.\.\.\]\s+Get widgets$/m);
  assert.match(get.stdout, /^ {2}gadgets\|gadget \[options\] \[names\.\.\.\]/m);
  assert.match(get.stdout, /^Global Options:$/m);
  const noun = await skiff('widget', '--help');
  assert.match(noun.stdout, /^Usage: skiff widget\|wd \[options\] \[command\]/m);
  assert.match(noun.stdout, /^ {2}create <name>\s+Create a widget$/m);
  assert.match(noun.stdout, /^ {2}pause\s+Pause a widget$/m);
  const leaf = await skiff('get', 'widgets', '--help');
  assert.match(leaf.stdout, /^Usage: skiff get widgets\|widget \[options\] \[names\.\.\.\]/m);
  assert.match(leaf.stdout, /-l, --selector <selector>/);
  assert.match(leaf.stdout, /^Global Options:\n(.*\n)*.*-n, --namespace <namespace>/m);
});

test('bare groups print help on stdout; unknown subcommands suggest', async () => {
  const bare = await skiff('get');
  assert.equal(bare.code, 0);
  assert.match(bare.stdout, /^Usage: skiff get \[options\] \[command\]/);
  const typo = await skiff('get', 'widgts');
  assert.equal(typo.code, 1);
  assert.equal(
    typo.stderr,
    'Error: unknown command "widgts" for "skiff get"\n\nDid you mean this?\n\twidgets\n\nRun \'skiff get --help\' for usage.\n',
  );
  const root = await skiff('widgt', 'get');
  assert.match(root.stderr, /^Error: unknown command "widgt" for "skiff"\n\nDid you mean this\?\n\twidget\n\n/);
});

test('usage errors from an action hint at the running command', async () => {
  const r = await skiff('create', 'widget', 'bad');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Error: widget names cannot be "bad"\nRun \'skiff create widget --help\' for usage.\n');
  const missing = await skiff('widget', 'create');
  assert.equal(missing.stderr, "Error: missing required argument 'name'\nRun 'skiff widget create --help' for usage.\n");
});

test('unknown flags use cobra wording', async () => {
  const long = await skiff('get', 'widgets', '--bogus');
  assert.equal(long.stderr, "Error: unknown flag: --bogus\nRun 'skiff get widgets --help' for usage.\n");
  const short = await skiff('widget', 'get', '-z');
  assert.equal(short.stderr, "Error: unknown shorthand flag: 'z' in -z\nRun 'skiff widget get --help' for usage.\n");
});
