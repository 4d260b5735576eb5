/** @module cli/globals — the persistent flags every command inherits, and their resolution. */
import { Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { configColorized, configFeatures, configString, loadClientConfig } from './client-config.ts';
import type { CliContext } from './context.ts';
import { boolArg, commaListArg } from './flags.ts';

/** Feature flags Velero defines; unknown ones are kept, as Velero keeps them. */
export const KNOWN_FEATURES = ['EnableCSI', 'EnableAPIGroupVersions'] as const;

export const DEFAULT_NAMESPACE = 'velero';

/** Global settings after applying flags, the client config file and the environment. */
export interface GlobalOptions {
  /** `--kubeconfig` only; KUBECONFIG and in-cluster fallbacks belong to the kube layer. */
  kubeconfig?: string;
  kubecontext?: string;
  /** Namespace the Skiff/Velero server runs in. */
  namespace: string;
  /** Enabled feature flags: config file's then the flag's, de-duplicated. */
  features: string[];
  /** Whether to emit colour: the setting AND stdout being a terminal. */
  colorized: boolean;
  /** CA bundle path from the client config (`cacert` key). */
  cacert?: string;
}

/** The global flags as commander parsed them (all optional: absent means "not given"). */
export interface RawGlobalFlags {
  kubeconfig?: string | undefined;
  kubecontext?: string | undefined;
  namespace?: string | undefined;
  features?: string[] | undefined;
  colorized?: boolean | undefined;
}

/** Adds the persistent flags to the root command; subcommands see them via optsWithGlobals(). */
export function addGlobalOptions(root: CommandUnknownOpts): void {
  root.addOption(
    new Option(
      '--kubeconfig <path>',
      'Path to the kubeconfig file to use to talk to the Kubernetes apiserver. If unset, try the environment variable KUBECONFIG, as well as in-cluster configuration',
    ),
  );
  root.addOption(
    new Option(
      '--kubecontext <context>',
      'The context to use to talk to the Kubernetes apiserver. If unset defaults to whatever your current-context is (kubectl config current-context)',
    ),
  );
  root.addOption(
    new Option(
      '-n, --namespace <namespace>',
      `The namespace in which Skiff should operate (default: client config "namespace", else $SKIFF_NAMESPACE, else $VELERO_NAMESPACE, else "${DEFAULT_NAMESPACE}")`,
    ),
  );
  root.addOption(
    new Option(
      '--features <features>',
      'Comma-separated list of features to enable for this Skiff process. Combines with values from the client config file if present',
    ).argParser(commaListArg),
  );
  root.addOption(
    new Option(
      '--colorized [bool]',
      "Show colored output in TTY. Overrides 'colorized' value from the client config file if present. Enabled by default",
    ).argParser(boolArg),
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isCommand(source: CommandUnknownOpts | RawGlobalFlags): source is CommandUnknownOpts {
  return typeof (source as CommandUnknownOpts).optsWithGlobals === 'function';
}

/** Reads the raw global flags off a command (its own and its ancestors' options). */
export function rawGlobalFlags(cmd: CommandUnknownOpts): RawGlobalFlags {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    kubeconfig: str(o['kubeconfig']),
    kubecontext: str(o['kubecontext']),
    namespace: str(o['namespace']),
    features: Array.isArray(o['features']) ? (o['features'] as string[]) : undefined,
    colorized: typeof o['colorized'] === 'boolean' ? o['colorized'] : undefined,
  };
}

/**
 * Resolves the global settings. Namespace order is Velero's (flag, config
 * file, VELERO_NAMESPACE, "velero") with SKIFF_NAMESPACE checked before
 * VELERO_NAMESPACE. Reads the client config file, so it throws
 * ClientConfigError for a broken file: call it only in commands that need it.
 */
export function resolveGlobals(source: CommandUnknownOpts | RawGlobalFlags, ctx: CliContext): GlobalOptions {
  const flags = isCommand(source) ? rawGlobalFlags(source) : source;
  const config = loadClientConfig(ctx.homeDir).values;
  const namespace =
    nonEmpty(flags.namespace) ??
    configString(config, 'namespace') ??
    nonEmpty(ctx.env['SKIFF_NAMESPACE']) ??
    nonEmpty(ctx.env['VELERO_NAMESPACE']) ??
    DEFAULT_NAMESPACE;
  const features = [...new Set([...configFeatures(config), ...(flags.features ?? [])])];
  const wantColor = flags.colorized ?? configColorized(config);
  const result: GlobalOptions = {
    namespace,
    features,
    colorized: wantColor && ctx.stdout.isTTY === true,
  };
  const kubeconfig = nonEmpty(flags.kubeconfig);
  const kubecontext = nonEmpty(flags.kubecontext);
  const cacert = configString(config, 'cacert');
  if (kubeconfig !== undefined) result.kubeconfig = kubeconfig;
  if (kubecontext !== undefined) result.kubecontext = kubecontext;
  if (cacert !== undefined) result.cacert = cacert;
  return result;
}
