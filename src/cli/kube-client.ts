/** @module cli/kube-client: the Kubernetes client a command talks through, built from the global flags. */
import { KubeClient } from '../kube/index.ts';
import type { CliContext } from './context.ts';
import type { GlobalOptions } from './globals.ts';
import { clientVersion } from './build-info.ts';

export interface KubeClientTuning {
  /** Requests in flight at once (default 64). */
  maxInFlight?: number;
  /** An optional client-side rate limit, like Velero's --client-qps / --client-burst. */
  qps?: number;
  burst?: number;
}

/**
 * `--kubeconfig` wins, then KUBECONFIG, then ~/.kube/config, then in-cluster configuration;
 * `--kubecontext` picks the context (kubectl's rules, see src/kube/kubeconfig.ts). The caller
 * closes the client when done.
 */
export async function kubeClientFor(globals: GlobalOptions, ctx: CliContext, tuning: KubeClientTuning = {}): Promise<KubeClient> {
  return KubeClient.fromKubeConfig({
    kubeconfig: {
      ...(globals.kubeconfig ? { kubeconfig: globals.kubeconfig } : {}),
      ...(globals.kubecontext ? { context: globals.kubecontext } : {}),
      env: ctx.env,
      homeDir: ctx.homeDir,
    },
    userAgent: `skiff/${clientVersion(ctx.repoDir)} (${process.platform}/${process.arch})`,
    ...tuning,
  });
}
