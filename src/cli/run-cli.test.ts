/** @module cli/run-cli.test — exit codes and error formatting for whole invocations. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitError } from './errors.ts';
import { ROOT_DESCRIPTION } from './program.ts';
import { run, testContext } from './testing.ts';
import { PACKAGE_ROOT } from '../util/index.ts';

function failing(): CommandUnknownOpts {
  const cmd = new Command('boom')
    .option('--exit <code>')
    .action(async (opts) => {
      await Promise.resolve();
      if (opts.exit !== undefined) throw new ExitError(Number(opts.exit), opts.exit === '3' ? 'backup failed' : '');
      throw new Error('connection refused');
    });
  return cmd;
}

const withBoom = { commands: [failing], resources: [] };

test('skiff --help describes the tool and lists global flags and commands', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.startsWith(`Usage: skiff [options] [command]\n\n${ROOT_DESCRIPTION}\n`));
  for (const flag of ['--kubeconfig <path>', '--kubecontext <context>', '-n, --namespace <namespace>', '--features <features>', '--colorized [bool]']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match(r.stdout, /^ {2}version \[options\]/m);
  assert.match(r.stdout, /^ {2}client\b/m);
});

test('bare skiff prints help and exits 0, like cobra', async () => {
  const r = await run([]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: skiff/);
});

test('subcommand help shows inherited global flags', async () => {
  for (const argv of [['version', '--help'], ['help', 'version'], ['client', 'config', 'set', '-h']]) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.stdout, /^Global Options:$/m, argv.join(' '));
    assert.match(r.stdout, /--kubeconfig <path>/, argv.join(' '));
  }
});

test('unknown command and unknown flag: cobra wording, exit 1', async () => {
  const cmd = await run(['bogus']);
  assert.equal(cmd.code, 1);
  assert.equal(cmd.stderr, `Error: unknown command "bogus" for "skiff"\nRun 'skiff --help' for usage.\n`);
  assert.equal(cmd.stdout, '');
  const flag = await run(['--nope']);
  assert.equal(flag.code, 1);
  assert.equal(flag.stderr, `Error: unknown flag: --nope\nRun 'skiff --help' for usage.\n`);
  const missing = await run(['version', '-n']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error: option '-n, --namespace <namespace>' argument missing\n/);
});

test('unexpected errors: message only, stack with SKIFF_DEBUG=1', async () => {
  const r = await run(['boom'], testContext(), withBoom);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'An error occurred: connection refused\n');
  const debug = await run(['boom'], testContext({ env: { SKIFF_DEBUG: '1' } }), withBoom);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^An error occurred: Error: connection refused\n\s+at /);
});

test('ExitError sets the exit code, printing its message if any', async () => {
  const quiet = await run(['boom', '--exit', '2'], testContext(), withBoom);
  assert.deepEqual([quiet.code, quiet.stderr], [2, '']);
  const loud = await run(['boom', '--exit', '3'], testContext(), withBoom);
  assert.deepEqual([loud.code, loud.stderr], [3, 'backup failed\n']);
});

/** Modules the cluster commands need and `skiff repo` must not load: the Kubernetes client, the API schemas, their libraries. */
const CLUSTER_ONLY = [/\/src\/kube\//, /\/src\/api\/index\.ts$/, /\/node_modules\/(typebox|yaml|undici)\//];

/** The URL of every module (ESM or CommonJS) `skiff ARGV` loads in a fresh Node, through a load hook. */
function modulesLoaded(argv: string[]): { status: number | null; stdout: string; urls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-modules-'));
  try {
    const hook = join(dir, 'hook.mjs');
    const log = join(dir, 'loaded.txt');
    writeFileSync(hook, `import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
registerHooks({ load(url, context, nextLoad) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return nextLoad(url, context); } });
`);
    writeFileSync(log, '');
    const r = spawnSync(join(PACKAGE_ROOT, 'node_modules/.bin/node'), ['--import', pathToFileURL(hook).href, join(PACKAGE_ROOT, 'src/cli/main.ts'), ...argv], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('skiff repo starts without the cluster commands\' modules (bin/skiff and the light startup rely on it)', () => {
  const repo = modulesLoaded(['repo', '--help']);
  assert.equal(repo.status, 0);
  assert.match(repo.stdout, /^Usage: skiff repo/);
  assert.ok(repo.urls.some((u) => u.endsWith('/src/cli/commands/repo/backup.ts')), 'the hook saw the repo commands load');
  assert.deepEqual(repo.urls.filter((u) => CLUSTER_ONLY.some((re) => re.test(u))), []);
  // The same hook does see them when the whole tree loads, so an empty list above means something.
  const full = modulesLoaded(['version', '--help']);
  assert.equal(full.status, 0);
  for (const re of CLUSTER_ONLY) assert.ok(full.urls.some((u) => re.test(u)), `${re} loads for the cluster commands`);
});
