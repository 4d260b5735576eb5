/** @module cli/commands/repo/init — `skiff repo init`: creates a repository; prints its id. */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { Repository } from '../../../repo/index.ts';
import type { CliContext } from '../../context.ts';
import { addRepoFlags, addRepoOutputFlag, jsonOutput, namedByUrl, newRepoPassword, openStore, printJson, repoCacheDir, repoUrl } from './common.ts';

export function repoInitCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('init').description(
    'Create a repository. The password comes from --password-file or $SKIFF_REPO_PASSWORD, or is typed twice at a terminal; there is no default, and without it nothing in the repository can be read.',
  );
  addRepoFlags(cmd);
  addRepoOutputFlag(cmd);
  cmd.action(async (_opts, self) => {
    const url = repoUrl(self);
    const password = await newRepoPassword(ctx, self);
    const { store, prefix } = await openStore(ctx, url, true);
    try {
      const repo = await Repository.init(store, prefix, password, { cacheDir: repoCacheDir(ctx) }).catch((err: unknown) => {
        throw namedByUrl(err, store, prefix, url);
      });
      await repo.close();
      if (jsonOutput(self)) {
        printJson(ctx, { id: repo.config.id, repo: url, created: repo.config.created, keyId: repo.keyId });
        return;
      }
      ctx.stdout.write(`${repo.config.id}\n`);
      ctx.stderr.write(`Created repository ${repo.config.id} at ${url}. Keep its password safe: without it nothing in the repository can be read.\n`);
    } finally {
      await store.close();
    }
  });
  return cmd;
}
