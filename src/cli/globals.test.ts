/** @module cli/globals.test — global flag resolution: precedence, features, colorized, config fallback. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { skiffConfigPath, veleroConfigPath } from './client-config.ts';
import type { CliContext } from './context.ts';
import { resolveGlobals } from './globals.ts';
import type { GlobalOptions } from './globals.ts';
import { removeDir, run, tempDir, testContext } from './testing.ts';

const homes: string[] = [];
after(() => homes.forEach(removeDir));

function home(files: { skiff?: object | string; velero?: object | string } = {}): string {
  const dir = tempDir('skiff-globals-');
  homes.push(dir);
  const write = (path: string, content: object | string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  };
  if (files.skiff !== undefined) write(skiffConfigPath(dir), files.skiff);
  if (files.velero !== undefined) write(veleroConfigPath(dir), files.velero);
  return dir;
}

/** A command that prints its resolved globals, nested one level to prove inheritance. */
function probe(ctx: CliContext): CommandUnknownOpts {
  const group = new Command('nested');
  group.command('probe').action((_opts, self) => {
    ctx.stdout.write(JSON.stringify(resolveGlobals(self, ctx)));
  });
  return group;
}

async function globals(argv: string[], opts: { env?: Record<string, string>; homeDir?: string; tty?: boolean } = {}): Promise<GlobalOptions> {
  const ctx = testContext(opts);
  const r = await run(argv, ctx, { commands: [probe], resources: [] });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as GlobalOptions;
}

test('namespace precedence: flag > config > SKIFF_NAMESPACE > VELERO_NAMESPACE > velero', async () => {
  const env = { SKIFF_NAMESPACE: 'from-skiff-env', VELERO_NAMESPACE: 'from-velero-env' };
  const withConfig = home({ skiff: { namespace: 'from-config' } });
  assert.equal((await globals(['nested', 'probe', '-n', 'from-flag'], { env, homeDir: withConfig })).namespace, 'from-flag');
  assert.equal((await globals(['--namespace=from-flag', 'nested', 'probe'], { env, homeDir: withConfig })).namespace, 'from-flag');
  assert.equal((await globals(['nested', 'probe'], { env, homeDir: withConfig })).namespace, 'from-config');
  assert.equal((await globals(['nested', 'probe'], { env })).namespace, 'from-skiff-env');
  assert.equal((await globals(['nested', 'probe'], { env: { VELERO_NAMESPACE: 'from-velero-env' } })).namespace, 'from-velero-env');
  assert.equal((await globals(['nested', 'probe'], { env: { SKIFF_NAMESPACE: '' } })).namespace, 'velero');
  assert.equal((await globals(['nested', 'probe'])).namespace, 'velero');
});

test("Velero's config file is used only when Skiff's does not exist", async () => {
  const veleroOnly = home({ velero: { namespace: 'velero-ns', features: 'EnableCSI' } });
  const g = await globals(['nested', 'probe'], { homeDir: veleroOnly });
  assert.equal(g.namespace, 'velero-ns');
  assert.deepEqual(g.features, ['EnableCSI']);
  const both = home({ skiff: { namespace: 'skiff-ns' }, velero: { namespace: 'velero-ns', features: 'EnableCSI' } });
  const g2 = await globals(['nested', 'probe'], { homeDir: both });
  assert.equal(g2.namespace, 'skiff-ns');
  assert.deepEqual(g2.features, []);
});

test('features: config then flags, de-duplicated, unknown ones kept', async () => {
  const dir = home({ skiff: { features: 'EnableCSI, Custom' } });
  const g = await globals(['nested', 'probe', '--features', 'EnableAPIGroupVersions,EnableCSI', '--features=Other'], { homeDir: dir });
  assert.deepEqual(g.features, ['EnableCSI', 'Custom', 'EnableAPIGroupVersions', 'Other']);
  assert.deepEqual((await globals(['nested', 'probe'])).features, []);
});

test('colorized: flag > config > true, and only on a TTY', async () => {
  const off = home({ skiff: { colorized: 'false' } });
  const junk = home({ skiff: { colorized: 'sometimes' } });
  assert.equal((await globals(['nested', 'probe'], { tty: true })).colorized, true);
  assert.equal((await globals(['nested', 'probe'], { tty: false })).colorized, false);
  assert.equal((await globals(['nested', 'probe'], { tty: true, homeDir: off })).colorized, false);
  assert.equal((await globals(['nested', 'probe', '--colorized'], { tty: true, homeDir: off })).colorized, true);
  assert.equal((await globals(['nested', 'probe', '--colorized', 'true'], { tty: true, homeDir: off })).colorized, true);
  assert.equal((await globals(['nested', 'probe', '--colorized=false'], { tty: true })).colorized, false);
  assert.equal((await globals(['nested', 'probe', '--colorized', 'F'], { tty: true })).colorized, false);
  assert.equal((await globals(['nested', 'probe'], { tty: true, homeDir: junk })).colorized, true);
});

test('invalid --colorized value is a usage error naming the flag', async () => {
  const r = await run(['--colorized', 'maybe', 'nested', 'probe'], testContext(), { commands: [probe], resources: [] });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Error: invalid argument "maybe" for "--colorized" flag: expected true or false\nRun \'skiff --help\' for usage.\n');
});

test('kubeconfig, kubecontext and cacert are carried through', async () => {
  const dir = home({ skiff: { cacert: '/etc/ca.pem' } });
  const g = await globals(['nested', 'probe', '--kubeconfig', '/k.yaml', '--kubecontext', 'prod'], { homeDir: dir });
  assert.deepEqual(g, {
    namespace: 'velero',
    features: [],
    colorized: false,
    kubeconfig: '/k.yaml',
    kubecontext: 'prod',
    cacert: '/etc/ca.pem',
  });
  assert.deepEqual(await globals(['nested', 'probe']), { namespace: 'velero', features: [], colorized: false });
});

test('resolveGlobals also takes raw flags', () => {
  const ctx = testContext({ env: { VELERO_NAMESPACE: 'v' } });
  assert.equal(resolveGlobals({}, ctx).namespace, 'v');
  assert.deepEqual(resolveGlobals({ namespace: 'x', features: ['A', 'A'] }, ctx), { namespace: 'x', features: ['A'], colorized: false });
});

test('a broken config file is an error naming the file', async () => {
  const dir = home({ skiff: '{"namespace": ' });
  const r = await run(['nested', 'probe'], testContext({ homeDir: dir }), { commands: [probe], resources: [] });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`error reading client config file ${skiffConfigPath(dir).replace(/[.]/g, '\\.')}: invalid JSON`));
  const arr = home({ velero: '[1,2]' });
  const r2 = await run(['nested', 'probe'], testContext({ homeDir: arr }), { commands: [probe], resources: [] });
  assert.match(r2.stderr, /velero\/config\.json: expected a JSON object of strings/);
});
