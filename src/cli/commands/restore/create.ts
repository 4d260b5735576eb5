/** @module cli/commands/restore/create — `skiff restore create [NAME] --from-backup B | --from-schedule S` (also `skiff create restore`). */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LABEL_SCHEDULE_NAME, labelSafeName, VeleroResources, type Backup } from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { resolveGlobals } from '../../globals.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import { commandPath } from '../../registry.ts';
import { apiError, printVeleroObjects, withClient } from '../backup/common.ts';
import * as v from '../backup/flag-values.ts';
import { submitAndFollow } from '../backup/wait.ts';
import { buildValidRestore, existingResourcePolicyArg, namespaceMappingsArg, newestRestorableBackup, restoreFlagProblem, type RestoreCreateOptions } from './build.ts';
import { restoreColumns, restoreProgressLine } from './table.ts';

const RESOURCE_FORMAT = 'formatted as resource.group, such as storageclasses.storage.k8s.io';

/** Every flag of velero's `restore create`. */
function addRestoreFlags(cmd: CommandUnknownOpts): void {
  const { listOption: list, optionalBoolOption: tri, durationOption: duration } = v;
  cmd
    .addOption(new Option('--from-backup <backup>', 'The backup to restore from.'))
    .addOption(new Option('--from-schedule <schedule>', "Restore the schedule's most recent Completed backup (the server picks it)."))
    .addOption(list('include-namespaces', "Namespaces of the backup to restore (use '*' for all namespaces). (default *)"))
    .addOption(list('exclude-namespaces', 'Namespaces of the backup not to restore.'))
    .addOption(new Option('--namespace-mappings <mappings>', 'Restore namespaces under other names: source1:target1,source2:target2.').argParser(namespaceMappingsArg))
    .addOption(list('include-resources', `Resources to restore, ${RESOURCE_FORMAT} (use '*' for all resources).`))
    .addOption(list('exclude-resources', `Resources not to restore, ${RESOURCE_FORMAT}.`))
    .addOption(tri('include-cluster-resources', 'Restore cluster-scoped resources. A bare flag means true; unset lets the server decide.'))
    .addOption(new Option('-l, --selector <selector>', 'Only restore resources matching this label selector.').argParser(v.selectorArg))
    .addOption(new Option('--or-selector <selectors>', "Restore resources matching at least one of the label selectors, separated by ' or ' (foo=bar or app=nginx).").argParser(v.orSelectorArg))
    .addOption(new Option('--labels <map>', 'Labels to apply to the restore (k1=v1,k2=v2).').argParser(v.mapArg))
    .addOption(new Option('--annotations <map>', 'Annotations to apply to the restore (k1=v1,k2=v2).').argParser(v.mapArg))
    .addOption(new Option('--existing-resource-policy <policy>', 'What to do with objects that already exist: none (leave them) or update (patch them).').argParser(existingResourcePolicyArg))
    .addOption(list('status-include-resources', `Resources whose status is restored too, ${RESOURCE_FORMAT}.`))
    .addOption(list('status-exclude-resources', `Resources whose status is not restored, ${RESOURCE_FORMAT}.`))
    .addOption(tri('restore-volumes', 'Restore volumes from their snapshots. A bare flag means true; unset lets the server decide.'))
    .addOption(tri('preserve-nodeports', 'Keep the node ports of restored Services.'))
    .addOption(duration('item-operation-timeout', 'How long to wait for async plugin operations before timeout (default 0s: the server default, 4h).'))
    .addOption(new Option('--resource-modifier-configmap <name>', 'The ConfigMap of resource modifier rules the restore applies.'))
    .addOption(tri('write-sparse-files', 'Write sparse files when restoring volume data.'))
    .addOption(new Option('--parallel-files-download <n>', 'Files restored at once per volume (default 0: as many as the node has CPUs).').argParser(v.intArg))
    .addOption(tri('allow-partially-failed', 'With --from-schedule: restore the newest Completed or PartiallyFailed backup of the schedule. No effect otherwise.'))
    .addOption(new Option('-w, --wait', 'Wait for the operation to complete.'));
}

/** The parsed flags as buildRestore's options. */
export function readRestoreCreateFlags(self: CommandUnknownOpts): RestoreCreateOptions {
  const o = self.opts() as Record<string, unknown>;
  const out: RestoreCreateOptions = {};
  const set = <K extends keyof RestoreCreateOptions>(key: K, value: RestoreCreateOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  const name = self.args[0];
  if (name !== undefined) out.name = name;
  for (const key of ['fromBackup', 'fromSchedule', 'resourceModifierConfigmap'] as const) set(key, v.optString(o, key));
  for (const key of ['includeNamespaces', 'excludeNamespaces', 'includeResources', 'excludeResources', 'statusIncludeResources', 'statusExcludeResources'] as const) {
    set(key, v.optStrings(o, key));
  }
  for (const key of ['includeClusterResources', 'restoreVolumes', 'writeSparseFiles', 'allowPartiallyFailed'] as const) set(key, v.optBool(o, key));
  // Commander camel-cases `--preserve-nodeports` as one word: `preserveNodeports`.
  set('preserveNodePorts', v.optBool(o, 'preserveNodeports'));
  for (const key of ['labels', 'annotations', 'namespaceMappings'] as const) set(key, v.optMap(o, key));
  set('existingResourcePolicy', v.optString(o, 'existingResourcePolicy') as RestoreCreateOptions['existingResourcePolicy']);
  set('itemOperationTimeoutMs', v.optNumber(o, 'itemOperationTimeout'));
  set('parallelFilesDownload', v.optNumber(o, 'parallelFilesDownload'));
  set('selector', o['selector'] as RestoreCreateOptions['selector']);
  set('orSelector', o['orSelector'] as RestoreCreateOptions['orSelector']);
  return out;
}

/**
 * What velero checks before creating anything: the backup exists, or the schedule has made at least one
 * backup. With --allow-partially-failed, returns the schedule's backup to restore (if any qualifies).
 */
async function checkSource(client: KubeClient, namespace: string, o: RestoreCreateOptions): Promise<string | undefined> {
  try {
    if (o.fromBackup) {
      await client.get(VeleroResources.backups, o.fromBackup, { namespace });
      return undefined;
    }
    const schedule = o.fromSchedule ?? '';
    const labelSelector = `${LABEL_SCHEDULE_NAME}=${labelSafeName(schedule)}`;
    const backups = (await client.list<Backup>(VeleroResources.backups, { namespace, labelSelector })).items;
    if (backups.length === 0) throw new Error(`No backups found for the schedule ${schedule}`);
    // Without a qualifying backup the schedule goes to the server as is; its validation says why.
    return o.allowPartiallyFailed === true ? newestRestorableBackup(backups)?.metadata.name : undefined;
  } catch (err) {
    throw apiError(err);
  }
}

/** Runs `restore create` once its flags are parsed; `now` names restores created without a name. */
export async function runRestoreCreate(ctx: CliContext, self: CommandUnknownOpts, now: () => Date = () => new Date()): Promise<void> {
  const opts = readRestoreCreateFlags(self);
  const problem = restoreFlagProblem(opts);
  if (problem !== undefined) throw new UsageError(problem, commandPath(self));
  const output = readOutputOptions(self);
  const namespace = resolveGlobals(self, ctx).namespace;
  const named = now();
  // Velero checks the source even for -o, which prints the Restore it would create.
  await withClient(self, ctx, async (client) => {
    const scheduleBackup = await checkSource(client, namespace, opts);
    const restore = buildValidRestore(opts, { namespace, now: named, ...(scheduleBackup !== undefined ? { scheduleBackup } : {}) });
    if (output.format !== undefined) return printVeleroObjects(ctx, [restore], output, 'Restore', restoreColumns());
    const wait = v.optBool(self.opts() as Record<string, unknown>, 'wait') === true;
    await submitAndFollow(ctx, client, namespace, { noun: 'restore', object: restore, wait, resource: VeleroResources.restores, progress: restoreProgressLine });
  });
}

export function restoreCreateCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('create')
    .description('Create a restore from a backup, or from the latest backup of a schedule')
    .argument('[name]', 'name of the restore (default: <backup or schedule>-<local time YYYYMMDDhhmmss>)');
  addRestoreFlags(cmd);
  addOutputFlags(cmd);
  cmd.action(async (_name, _opts, self) => runRestoreCreate(ctx, self));
  return cmd;
}
