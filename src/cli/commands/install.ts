/** @module cli/commands/install — `skiff install`: for now the CRDs only (`--crds-only`), printed or applied. */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { crdManifests, renderCrdsYaml, type CustomResourceDefinition } from '../../api/index.ts';
import { Resources, type KubeClient, type KubeObject } from '../../kube/index.ts';
import { formatGoDuration } from '../../util/duration.ts';
import type { CliContext, OutputStream } from '../context.ts';
import { UsageError } from '../errors.ts';
import { boolArg } from '../flags.ts';
import { kubeClientFor } from '../kube-client.ts';
import { resolveGlobals } from '../globals.ts';
import { addOutputFlags, readOutputOptions, type OutputFormat } from '../output/format.ts';
import { commandPath } from '../registry.ts';

/** The field manager of everything install applies; the same on every run, so re-running changes nothing. */
export const INSTALL_FIELD_MANAGER = 'skiff';
/** How long to wait for the API server to serve the new CRDs. */
export const DEFAULT_ESTABLISH_TIMEOUT_MS = 60_000;

/** The flags of `skiff install` after parsing. The full install adds its flags here. */
export interface InstallOptions {
  crdsOnly: boolean;
  dryRun: boolean;
  output: OutputFormat | undefined;
}

/** Velero's install output: `-o yaml` the manifests as YAML documents, `-o json` a v1 List. */
export function renderManifests(manifests: readonly KubeObject[], format: 'json' | 'yaml'): string {
  if (format === 'yaml') return renderCrdsYaml(manifests);
  return `${JSON.stringify({ kind: 'List', apiVersion: 'v1', items: manifests }, null, 2)}\n`;
}

export interface ApplyCrdsOptions {
  /** Progress lines go here (Velero prints them on stdout). */
  out: OutputStream;
  timeoutMs?: number;
  pollMs?: number;
}

function conditionOf(crd: KubeObject | undefined, type: string): { status?: string; message?: string } | undefined {
  const status = crd?.['status'] as { conditions?: Array<{ type?: string; status?: string; message?: string }> } | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Creates or updates each CRD by server-side apply (field manager `skiff`, forced, so CRDs Velero installed
 * are taken over), printing Velero's progress lines, then waits until the API server serves every one.
 */
export async function applyCrds(client: KubeClient, crds: readonly CustomResourceDefinition[], opts: ApplyCrdsOptions): Promise<void> {
  const ref = Resources.customResourceDefinitions;
  for (const crd of crds) {
    const label = `CustomResourceDefinition/${crd.metadata.name}`;
    opts.out.write(`${label}: attempting to create resource\n`);
    try {
      const existed = (await client.getIfExists(ref, crd.metadata.name)) !== undefined;
      await client.apply(ref, crd, { fieldManager: INSTALL_FIELD_MANAGER, force: true });
      opts.out.write(`${label}: ${existed ? 'already exists, proceeding' : 'created'}\n`);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`, { cause: err });
    }
  }
  opts.out.write('Waiting for resources to be ready in cluster...\n');
  await waitEstablished(client, crds, opts);
}

/** Polls until every CRD has `Established=True`; fails early when the API server refuses a CRD's names. */
async function waitEstablished(client: KubeClient, crds: readonly CustomResourceDefinition[], opts: ApplyCrdsOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ESTABLISH_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let pending = crds.map((c) => c.metadata.name);
  for (;;) {
    const still: string[] = [];
    for (const name of pending) {
      const live = await client.getIfExists(Resources.customResourceDefinitions, name);
      const names = conditionOf(live, 'NamesAccepted');
      if (names?.status === 'False') throw new Error(`CustomResourceDefinition ${name} was not accepted: ${names.message ?? 'names conflict'}`);
      if (conditionOf(live, 'Established')?.status !== 'True') still.push(name);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${formatGoDuration(timeoutMs)} waiting for CustomResourceDefinition ${pending.join(', ')} to be established`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
  }
}

/** Runs an install once the flags are parsed; exported so tests and a future full install can call it. */
export async function runInstall(ctx: CliContext, self: CommandUnknownOpts, options: InstallOptions): Promise<void> {
  if (!options.crdsOnly) {
    throw new UsageError(
      'the full install (namespace, RBAC, Deployment and backup location) is not available yet; use --crds-only to install the CustomResourceDefinitions',
      commandPath(self),
    );
  }
  const manifests = crdManifests();
  if (options.output === 'table') throw new UsageError("install accepts only the 'json' and 'yaml' output formats", commandPath(self));
  // As Velero: -o prints the manifests; only --dry-run stops before the cluster is touched.
  if (options.output !== undefined) ctx.stdout.write(renderManifests(manifests, options.output));
  if (options.dryRun) return;
  const client = await kubeClientFor(resolveGlobals(self, ctx), ctx);
  try {
    await applyCrds(client, manifests, { out: ctx.stdout });
  } finally {
    await client.close();
  }
  ctx.stdout.write('Skiff CustomResourceDefinitions are installed and established.\n');
}

export function installCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('install')
    .description('Install Skiff (for now: its CustomResourceDefinitions, with --crds-only)')
    .addOption(
      new Option('--crds-only [bool]', 'Only generate CustomResourceDefinition resources. Useful for updating CRDs for an existing Skiff or Velero install')
        .argParser(boolArg),
    )
    .addOption(new Option('--dry-run [bool]', "Generate resources, but don't send them to the cluster. Use with -o").argParser(boolArg));
  addOutputFlags(cmd, { allowed: ['json', 'yaml'], labelFlags: false });
  cmd.action(async (_opts, self) => {
    const o = self.opts() as Record<string, unknown>;
    await runInstall(ctx, self, {
      crdsOnly: o['crdsOnly'] === true,
      dryRun: o['dryRun'] === true,
      output: readOutputOptions(self).format,
    });
  });
  return cmd;
}
