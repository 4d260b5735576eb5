/**
 * @module cli/commands/install — `skiff install`: Velero's install (CRDs, namespace, RBAC, credentials,
 * default locations, the server Deployment, the node agent) with Velero's flags, printed with -o and
 * applied by server-side apply, so a re-run updates in place. `--crds-only` installs the CRDs alone.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { crdManifests, renderCrdsYaml } from '../../api/index.ts';
import { applyCrds, applyObjects, defaultImage, installManifests, installProblems, resourceManifests, waitReady, type InstallOptions } from '../../install/index.ts';
import type { KubeObject } from '../../kube/index.ts';
import { skiffVersion } from '../../util/index.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { kubeClientFor } from '../kube-client.ts';
import { rawGlobalFlags, resolveGlobals } from '../globals.ts';
import { addOutputFlags, readOutputOptions, type OutputFormat } from '../output/format.ts';
import { commandPath } from '../registry.ts';
import { addInstallFlags, readInstallFlags, type InstallControl } from './install-flags.ts';

// Kept here for the callers that install CRDs (tests, benchmarks); the code lives in src/install.
export { applyCrds, INSTALL_FIELD_MANAGER, DEFAULT_ESTABLISH_TIMEOUT_MS, type ApplyCrdsOptions } from '../../install/index.ts';

/** Velero's install output: `-o yaml` the manifests as YAML documents, `-o json` a v1 List. */
export function renderManifests(manifests: readonly KubeObject[], format: 'json' | 'yaml'): string {
  if (format === 'yaml') return renderCrdsYaml(manifests);
  return `${JSON.stringify({ kind: 'List', apiVersion: 'v1', items: manifests }, null, 2)}\n`;
}

/** Reads a file a flag names (relative to the working directory), naming the flag when it cannot. */
async function readFlagFile(ctx: CliContext, flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(resolve(ctx.cwd, path));
  } catch (err) {
    throw new Error(`${flag}: cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The options with the contents of --secret-file and --cacert. */
async function withFiles(ctx: CliContext, o: InstallOptions): Promise<InstallOptions> {
  return {
    ...o,
    ...(o.secretFile !== undefined ? { secretData: await readFlagFile(ctx, '--secret-file', o.secretFile) } : {}),
    ...(o.caCertFile !== undefined ? { caCert: await readFlagFile(ctx, '--cacert', o.caCertFile) } : {}),
  };
}

/** Prints (with -o) and, unless --dry-run, applies the CRDs alone. */
async function installCrdsOnly(ctx: CliContext, self: CommandUnknownOpts, control: InstallControl, output: 'json' | 'yaml' | undefined): Promise<void> {
  const manifests = crdManifests();
  // As Velero: -o prints the manifests; only --dry-run stops before the cluster is touched.
  if (output !== undefined) ctx.stdout.write(renderManifests(manifests, output));
  if (control.dryRun) return;
  const client = await kubeClientFor(resolveGlobals(self, ctx), ctx);
  try {
    await applyCrds(client, manifests, { out: ctx.stdout });
  } finally {
    await client.close();
  }
  ctx.stdout.write('Skiff CustomResourceDefinitions are installed and established.\n');
}

/** Runs an install once the flags are parsed. */
export async function runInstall(ctx: CliContext, self: CommandUnknownOpts): Promise<void> {
  const format: OutputFormat | undefined = readOutputOptions(self).format;
  if (format === 'table') throw new UsageError("install accepts only the 'json' and 'yaml' output formats", commandPath(self));
  const globals = resolveGlobals(self, ctx);
  const features = rawGlobalFlags(self).features ?? [];
  const { options, control, warnings } = readInstallFlags(self, globals.namespace, features, skiffVersion(ctx.repoDir));
  if (control.crdsOnly) return installCrdsOnly(ctx, self, control, format);
  const problems = installProblems(options);
  if (problems.length > 0) throw new UsageError(problems.join('\n'), commandPath(self));
  for (const w of warnings) ctx.stderr.write(`Warning: ${w}\n`);
  const full = await withFiles(ctx, options);
  if (format !== undefined) ctx.stdout.write(renderManifests(installManifests(full), format));
  if (control.dryRun) return;
  const client = await kubeClientFor(globals, ctx);
  try {
    await applyCrds(client, crdManifests(), { out: ctx.stdout });
    const resources = resourceManifests(full);
    await applyObjects(client, resources, ctx.stdout);
    if (control.wait) {
      for (const workload of resources.filter((r) => r.kind === 'Deployment' || r.kind === 'DaemonSet')) await waitReady(client, workload, { out: ctx.stdout });
    }
  } finally {
    await client.close();
  }
  ctx.stdout.write(`Skiff is installed! ⛵ Use 'kubectl logs deployment/velero -n ${options.namespace}' to view the status.\n`);
}

export function installCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('install').description(
    [
      'Install Skiff onto a cluster: the velero.io CustomResourceDefinitions, the namespace, RBAC for the server,',
      "the credentials Secret 'cloud-credentials', the default backup and volume snapshot locations, the server",
      "Deployment 'velero' and (with --use-node-agent) the DaemonSet 'node-agent'. Every object is labelled",
      'component=velero and applied server-side, so running install again updates in place. Velero\'s flags work;',
      "plugins are not needed (the 'aws' and 'local' providers are built in). See docs/in-cluster.md.",
    ].join(' '),
  );
  addInstallFlags(cmd, defaultImage(skiffVersion(ctx.repoDir)));
  addOutputFlags(cmd, { allowed: ['json', 'yaml'], labelFlags: false });
  cmd.action(async (_opts, self) => runInstall(ctx, self));
  return cmd;
}
