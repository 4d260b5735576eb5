/** @module cli/main — process entry point: the only place that reads process.env, argv and the real streams. */
import { homedir } from 'node:os';
import { runCli } from './run-cli.ts';

// `skiff get backups | head` closes the pipe early; that is success, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  homeDir: process.env['HOME'] || homedir(),
  cwd: process.cwd(),
});
