/** @module cli/commands/backup-location/commands — `skiff backup-location create|get|set` (and `skiff create|get backup-location`). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type BackupStorageLocation } from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { boolArg, durationArg } from '../../flags.ts';
import { resolveGlobals } from '../../globals.ts';
import { addOutputFlags, readOutputOptions, type OutputOptions } from '../../output/format.ts';
import { printObjects } from '../../output/print.ts';
import { commandPath } from '../../registry.ts';
import { apiError, withClient } from '../backup/common.ts';
import { enumArg, mapArg, optBool, optMap, optNumber, optString, selectorStringArg } from '../backup/flag-values.ts';
import { buildLocation, credentialProblem, credentialSelector, locationColumns, locationFlagProblem, type LocationCreateOptions } from './build.ts';

const ref = VeleroResources.backupStorageLocations;

function printLocations(ctx: CliContext, items: readonly BackupStorageLocation[], output: OutputOptions): void {
  printObjects(items, {
    format: output.format ?? 'table',
    kind: 'BackupStorageLocation',
    apiVersion: 'velero.io/v1',
    columns: locationColumns(),
    stdout: ctx.stdout,
    labelColumns: output.labelColumns,
    showLabels: output.showLabels,
  });
}

async function readCaCert(ctx: CliContext, file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(resolve(ctx.cwd, file));
  } catch (err) {
    throw new Error(`cannot read --cacert ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function listLocations(client: KubeClient, namespace: string, labelSelector?: string): Promise<BackupStorageLocation[]> {
  try {
    return (await client.list<BackupStorageLocation>(ref, { namespace, labelSelector })).items;
  } catch (err) {
    throw apiError(err);
  }
}

/** Clears `default` on every other default location, so exactly one remains (velero's handover). */
async function unsetOtherDefaults(client: KubeClient, namespace: string, keep: string): Promise<void> {
  for (const l of await listLocations(client, namespace)) {
    if (l.spec?.default !== true || l.metadata.name === keep) continue;
    await client.patch(ref, l.metadata.name ?? '', 'merge', { spec: { default: false } }, { namespace }).catch((err: unknown) => {
      throw apiError(err);
    });
  }
}

function readCreateOptions(name: string, o: Record<string, unknown>): LocationCreateOptions {
  const out: LocationCreateOptions = { name };
  const assign = <K extends keyof LocationCreateOptions>(key: K, value: LocationCreateOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  assign('provider', optString(o, 'provider'));
  assign('bucket', optString(o, 'bucket'));
  assign('prefix', optString(o, 'prefix'));
  assign('config', optMap(o, 'config'));
  assign('labels', optMap(o, 'labels'));
  assign('credential', optMap(o, 'credential'));
  assign('default', optBool(o, 'default'));
  assign('accessMode', optString(o, 'accessMode') as LocationCreateOptions['accessMode']);
  assign('backupSyncPeriodMs', optNumber(o, 'backupSyncPeriod'));
  assign('validationFrequencyMs', optNumber(o, 'validationFrequency'));
  return out;
}

export function locationCreateCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('create')
    .description('Create a backup storage location')
    .argument('<name>', 'name of the backup storage location')
    .addOption(new Option('--provider <name>', 'Name of the backup storage provider (e.g. aws, azure, gcp).'))
    .addOption(new Option('--bucket <name>', 'Name of the object storage bucket where backups should be stored.'))
    .addOption(new Option('--prefix <prefix>', 'Prefix under which all Skiff data should be stored within the bucket. Optional.'))
    .addOption(new Option('--config <map>', 'Configuration key-value pairs (k1=v1,k2=v2).').argParser(mapArg))
    .addOption(new Option('--labels <map>', 'Labels to apply to the backup storage location.').argParser(mapArg))
    .addOption(new Option('--credential <secret=key>', 'The Secret and key (secretName=key) holding this location\'s credentials. Optional, one pair only.').argParser(mapArg))
    .addOption(new Option('--default', 'Sets this new location to be the new default backup storage location. Fails if a default already exists. Optional.'))
    .addOption(new Option('--access-mode <mode>', 'Access mode for the backup storage location. Valid values are ReadWrite,ReadOnly').argParser(enumArg(['ReadWrite', 'ReadOnly'] as const)).default('ReadWrite' as const))
    .addOption(new Option('--backup-sync-period <duration>', 'How often to ensure all backups in object storage exist as Backup API objects in the cluster. Optional. Set this to `0s` to disable sync. Default: 1 minute.').argParser(durationArg))
    .addOption(new Option('--validation-frequency <duration>', 'How often to verify if the backup storage location is valid. Optional. Set this to `0s` to disable validation. Default 1 minute.').argParser(durationArg))
    .addOption(new Option('--cacert <file>', 'File containing a certificate bundle to use when verifying TLS connections to the object store. Optional.'));
  addOutputFlags(cmd);
  cmd.action(async (name, _opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    const opts = readCreateOptions(name, o);
    const problem = locationFlagProblem(opts);
    if (problem !== undefined) throw new UsageError(problem, commandPath(self));
    const caCert = await readCaCert(ctx, optString(o, 'cacert'));
    if (caCert) opts.caCert = caCert;
    const output = readOutputOptions(self);
    const location = buildLocation(opts, resolveGlobals(self, ctx).namespace);
    if (output.format !== undefined) return printLocations(ctx, [location], output);
    await withClient(self, ctx, async (client, globals) => {
      if (opts.default === true) {
        const current = (await listLocations(client, globals.namespace)).find((l) => l.spec?.default === true);
        if (current) {
          throw new Error(
            `backup storage location "${current.metadata.name ?? ''}" is already the default; make it not the default first ('skiff backup-location set ${current.metadata.name ?? ''} --default=false'), or create this one without --default and then run 'skiff backup-location set ${name} --default'`,
          );
        }
      }
      await client.create(ref, location).catch((err: unknown) => {
        throw apiError(err);
      });
    });
    ctx.stdout.write(`Backup storage location "${name}" configured successfully.\n`);
  });
  return cmd;
}

export function locationGetCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('get')
    .description('Get backup storage locations')
    .argument('[names...]', 'locations to show (default: all)')
    .addOption(new Option('--default', 'Displays the current default backup storage location.'))
    .addOption(new Option('-l, --selector <selector>', 'Only show items matching this label selector.').argParser(selectorStringArg));
  addOutputFlags(cmd, { default: 'table' });
  cmd.action(async (_names, _opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    const onlyDefault = optBool(o, 'default') === true;
    const items = await withClient(self, ctx, async (client, globals) => {
      if (self.args.length === 0) return listLocations(client, globals.namespace, optString(o, 'selector'));
      const out: BackupStorageLocation[] = [];
      for (const name of self.args) out.push(await client.get<BackupStorageLocation>(ref, name, { namespace: globals.namespace }).catch((err: unknown) => {
        throw apiError(err);
      }));
      return out;
    });
    printLocations(ctx, onlyDefault ? items.filter((l) => l.spec?.default === true) : items, readOutputOptions(self));
  });
  return cmd;
}

export function locationSetCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('set')
    .description('Set specific features for a backup storage location')
    .argument('<name>', 'the backup storage location to change')
    .addOption(new Option('--default [bool]', 'Sets this location to be the new default backup storage location (the previous default stops being one); --default=false unsets it.').argParser(boolArg))
    .addOption(new Option('--cacert <file>', 'File containing a certificate bundle to use when verifying TLS connections to the object store. Optional.'))
    .addOption(new Option('--credential <secret=key>', 'The Secret and key (secretName=key) holding this location\'s credentials. Optional, one pair only.').argParser(mapArg));
  cmd.action(async (name, _opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    const credential = optMap(o, 'credential');
    const problem = credentialProblem(credential);
    if (problem !== undefined) throw new UsageError(problem, commandPath(self));
    const makeDefault = optBool(o, 'default');
    const caCert = await readCaCert(ctx, optString(o, 'cacert'));
    await withClient(self, ctx, async (client, globals) => {
      await client.get(ref, name, { namespace: globals.namespace }).catch((err: unknown) => {
        throw apiError(err);
      });
      if (makeDefault === true) await unsetOtherDefaults(client, globals.namespace, name);
      const spec: Record<string, unknown> = {};
      if (makeDefault !== undefined) spec['default'] = makeDefault;
      if (caCert) spec['objectStorage'] = { caCert: caCert.toString('base64') };
      const selector = credentialSelector(credential);
      if (selector) spec['credential'] = selector;
      await client.patch(ref, name, 'merge', { spec }, { namespace: globals.namespace }).catch((err: unknown) => {
        throw apiError(err);
      });
    });
    ctx.stdout.write(`Backup storage location "${name}" configured successfully.\n`);
  });
  return cmd;
}
