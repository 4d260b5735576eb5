/** @module cli/commands/backup/create — `skiff backup create NAME` (also `skiff create backup`), with velero's flags. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { VeleroResources, type Backup, type Schedule } from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { CliContext } from '../../context.ts';
import { UsageError } from '../../errors.ts';
import { resolveGlobals } from '../../globals.ts';
import { addOutputFlags, readOutputOptions } from '../../output/format.ts';
import { commandPath } from '../../registry.ts';
import { buildValidBackup, createFlagProblem, type BackupCreateOptions } from './build.ts';
import { apiError, printVeleroObjects, withClient } from './common.ts';
import * as v from './flag-values.ts';
import { backupColumns } from './table.ts';
import { progressLine, submitAndFollow } from './wait.ts';

const OLD_NEW = 'Cannot work with';

/** Every flag of velero's `backup create` that shapes the Backup (schedule create reuses the same set). */
export function addBackupSpecFlags(cmd: CommandUnknownOpts): void {
  const [list, tri, duration] = [v.listOption, v.optionalBoolOption, v.durationOption];
  cmd
    .addOption(duration('ttl', 'How long before the backup can be garbage collected (default 0s: the server default, 720h).'))
    .addOption(list('include-namespaces', "Namespaces to include in the backup (use '*' for all namespaces). (default *)"))
    .addOption(list('exclude-namespaces', 'Namespaces to exclude from the backup.'))
    .addOption(list('include-resources', `Resources to include in the backup, formatted as resource.group, such as storageclasses.storage.k8s.io (use '*' for all resources). ${OLD_NEW} the scoped filters.`))
    .addOption(list('exclude-resources', `Resources to exclude from the backup, formatted as resource.group. ${OLD_NEW} the scoped filters.`))
    .addOption(list('include-cluster-scoped-resources', `Cluster-scoped resources to include in the backup (use '*' for all). ${OLD_NEW} --include-resources, --exclude-resources and --include-cluster-resources.`))
    .addOption(list('exclude-cluster-scoped-resources', `Cluster-scoped resources to exclude from the backup. ${OLD_NEW} the old filters.`))
    .addOption(list('include-namespace-scoped-resources', `Namespaced resources to include in the backup (use '*' for all). ${OLD_NEW} the old filters.`))
    .addOption(list('exclude-namespace-scoped-resources', `Namespaced resources to exclude from the backup. ${OLD_NEW} the old filters.`))
    .addOption(new Option('--labels <map>', 'Labels to apply to the backup (k1=v1,k2=v2).').argParser(v.mapArg))
    .addOption(new Option('--annotations <map>', 'Annotations to apply to the backup (k1=v1,k2=v2).').argParser(v.mapArg))
    .addOption(new Option('--storage-location <name>', 'Location in which to store the backup.'))
    .addOption(new Option('--volume-snapshot-locations <list>', 'List of locations (at most one per provider) where volume snapshots should be stored.').argParser(v.stringSliceArg))
    .addOption(new Option('-l, --selector <selector>', 'Only back up resources matching this label selector.').argParser(v.selectorArg))
    .addOption(new Option('--or-selector <selectors>', "Back up resources matching at least one of the label selectors, separated by ' or ' (foo=bar or app=nginx).").argParser(v.orSelectorArg))
    .addOption(new Option('--ordered-resources <mapping>', "Kinds mapped to an ordered list of their resources: 'pods=ns1/pod1,ns1/pod2;persistentvolumeclaims=ns1/pvc4'.").argParser(v.orderedResourcesArg))
    .addOption(duration('csi-snapshot-timeout', 'How long to wait for CSI snapshot creation before timeout.'))
    .addOption(duration('item-operation-timeout', 'How long to wait for async plugin operations before timeout.'))
    .addOption(tri('snapshot-volumes', 'Take snapshots of PersistentVolumes as part of the backup. A bare flag means true; unset lets the server decide.'))
    .addOption(tri('snapshot-move-data', 'Specify whether snapshot data should be moved.'))
    .addOption(tri('include-cluster-resources', `Include cluster-scoped resources in the backup. ${OLD_NEW} the scoped filters.`))
    .addOption(tri('default-volumes-to-fs-backup', 'Use pod volume file system backup by default for volumes.'))
    .addOption(new Option('--resource-policies-configmap <name>', 'Reference to the resource policies configmap that backup should use.'))
    .addOption(new Option('--data-mover <name>', "The data mover to use; unset or 'velero' means the built-in one."))
    .addOption(new Option('--parallel-files-upload <n>', 'Number of files uploaded simultaneously (kopia uploader only).').argParser(v.intArg));
}

/** The parsed spec flags as buildBackup's options. */
export function readBackupSpecFlags(self: CommandUnknownOpts): BackupCreateOptions {
  const o = self.opts() as Record<string, unknown>;
  const out: BackupCreateOptions = {};
  const set = <K extends keyof BackupCreateOptions>(key: K, value: BackupCreateOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  for (const key of [
    'includeNamespaces', 'excludeNamespaces', 'includeResources', 'excludeResources', 'includeClusterScopedResources',
    'excludeClusterScopedResources', 'includeNamespaceScopedResources', 'excludeNamespaceScopedResources', 'volumeSnapshotLocations',
  ] as const) set(key, v.optStrings(o, key));
  for (const key of ['includeClusterResources', 'snapshotVolumes', 'snapshotMoveData', 'defaultVolumesToFsBackup'] as const) set(key, v.optBool(o, key));
  for (const key of ['storageLocation', 'dataMover', 'resourcePoliciesConfigmap'] as const) set(key, v.optString(o, key));
  set('labels', v.optMap(o, 'labels'));
  set('annotations', v.optMap(o, 'annotations'));
  set('orderedResources', v.optMap(o, 'orderedResources'));
  set('ttlMs', v.optNumber(o, 'ttl'));
  set('csiSnapshotTimeoutMs', v.optNumber(o, 'csiSnapshotTimeout'));
  set('itemOperationTimeoutMs', v.optNumber(o, 'itemOperationTimeout'));
  set('parallelFilesUpload', v.optNumber(o, 'parallelFilesUpload'));
  if (o['selector'] !== undefined) out.selector = o['selector'] as NonNullable<BackupCreateOptions['selector']>;
  if (o['orSelector'] !== undefined) out.orSelector = o['orSelector'] as NonNullable<BackupCreateOptions['orSelector']>;
  return out;
}

/** The storage location and snapshot locations must exist, as velero checks before creating anything (schedule create too). */
export async function checkLocations(client: KubeClient, namespace: string, o: BackupCreateOptions): Promise<void> {
  try {
    if (o.storageLocation) await client.get(VeleroResources.backupStorageLocations, o.storageLocation, { namespace });
    for (const vsl of o.volumeSnapshotLocations ?? []) await client.get(VeleroResources.volumeSnapshotLocations, vsl, { namespace });
  } catch (err) {
    throw apiError(err);
  }
}

async function fetchSchedule(client: KubeClient, namespace: string, name: string): Promise<Schedule> {
  try {
    return await client.get<Schedule>(VeleroResources.schedules, name, { namespace });
  } catch (err) {
    throw apiError(err);
  }
}

async function submit(ctx: CliContext, client: KubeClient, namespace: string, backup: Backup, wait: boolean, fromSchedule: boolean): Promise<void> {
  if (fromSchedule) ctx.stdout.write('Creating backup from schedule, all other filters are ignored.\n');
  await submitAndFollow(ctx, client, namespace, { noun: 'backup', object: backup, wait, resource: VeleroResources.backups, progress: progressLine });
}

/** Runs `backup create` once its flags are parsed; `now` names backups made from schedules. */
export async function runBackupCreate(ctx: CliContext, self: CommandUnknownOpts, now: () => Date = () => new Date()): Promise<void> {
  const o = self.opts() as Record<string, unknown>;
  const opts: BackupCreateOptions = { ...readBackupSpecFlags(self) };
  const name = self.args[0];
  if (name !== undefined) opts.name = name;
  const fromSchedule = v.optString(o, 'fromSchedule');
  if (fromSchedule !== undefined) opts.fromSchedule = fromSchedule;
  const problem = createFlagProblem(opts);
  if (problem !== undefined) throw new UsageError(problem, commandPath(self));
  const output = readOutputOptions(self);
  const needsCluster = output.format === undefined || opts.fromSchedule !== undefined || !!opts.storageLocation || (opts.volumeSnapshotLocations ?? []).length > 0;
  const namespace = resolveGlobals(self, ctx).namespace;
  if (!needsCluster) {
    printVeleroObjects(ctx, [buildValidBackup(opts, { namespace, now: now() })], output, 'Backup', backupColumns());
    return;
  }
  await withClient(self, ctx, async (client) => {
    await checkLocations(client, namespace, opts);
    const schedule = opts.fromSchedule !== undefined ? await fetchSchedule(client, namespace, opts.fromSchedule.trim()) : undefined;
    const backup = buildValidBackup(opts, { namespace, now: now(), ...(schedule ? { schedule } : {}) });
    if (output.format !== undefined) return printVeleroObjects(ctx, [backup], output, 'Backup', backupColumns());
    await submit(ctx, client, namespace, backup, v.optBool(o, 'wait') === true, opts.fromSchedule !== undefined);
  });
}

export function backupCreateCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('create')
    .description('Create a backup')
    .argument('[name]', 'name of the backup (optional with --from-schedule)');
  addBackupSpecFlags(cmd);
  cmd.addOption(new Option('-w, --wait', 'Wait for the operation to complete.'));
  cmd.addOption(new Option('--from-schedule <schedule>', 'Create a backup from the template of an existing schedule. Cannot be used with any other filters. Backup name is optional if used.'));
  addOutputFlags(cmd);
  cmd.action(async (_name, _opts, self) => runBackupCreate(ctx, self));
  return cmd;
}
