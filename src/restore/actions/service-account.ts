/**
 * @module restore/actions/service-account: `velero.io/secret` and `velero.io/service-account` — keep
 * legacy ServiceAccount token secrets (`<sa>-token-xxxxx`, auto-created before Kubernetes 1.24) from
 * being restored stale: the target cluster's token controller issues its own.
 */
import { Resources } from '../../kube/index.ts';
import type { RestoreItemAction } from './types.ts';
import { isRecord, targetNamespace } from './support.ts';

const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export const secretAction: RestoreItemAction = {
  name: 'velero.io/secret',
  appliesTo: { includedResources: ['secrets'] },
  async execute(item, ctx) {
    if (item.type !== SA_TOKEN_TYPE) return { item };
    // ServiceAccounts are restored before secrets, so the target namespace already holds them.
    const namespace = targetNamespace(ctx, item.metadata.namespace);
    const accounts = await ctx.cluster.list(Resources.serviceAccounts, namespace);
    const name = item.metadata.name ?? '';
    // An auto-created token would be deleted by the token controller right after we create it.
    if (accounts.some((sa) => sa.metadata.name && name.startsWith(`${sa.metadata.name}-token-`))) return { item, skip: true };
    // A hand-made token secret is kept, but its token belongs to the old ServiceAccount UID and the old
    // cluster's signing key; emptied, it is filled in again by the token controller.
    const secret = structuredClone(item);
    delete secret.metadata.annotations?.[SA_UID_ANNOTATION];
    if (isRecord(secret.data)) {
      delete secret.data.token;
      delete secret.data['ca.crt'];
    }
    return { item: secret };
  },
};

export const serviceAccountAction: RestoreItemAction = {
  name: 'velero.io/service-account',
  appliesTo: { includedResources: ['serviceaccounts'] },
  async execute(item) {
    const prefix = `${item.metadata.name ?? ''}-token-`;
    const secrets: unknown[] = Array.isArray(item.secrets) ? item.secrets : [];
    // As Velero, drop only the last reference to a `<sa>-token-` secret (normally the only one). Any
    // other such reference dangles, which is harmless: the token controller skips missing secrets.
    const index = secrets.findLastIndex((s) => isRecord(s) && typeof s.name === 'string' && s.name.startsWith(prefix));
    if (index < 0) return { item };
    const sa = structuredClone(item);
    (sa.secrets as unknown[]).splice(index, 1);
    return { item: sa };
  },
};
