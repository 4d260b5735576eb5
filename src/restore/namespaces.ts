/**
 * @module restore/namespaces: every target namespace exists before anything is created in it. A missing
 * one is created from the backed-up Namespace (its labels, annotations and spec) or bare; one that is still
 * Terminating — a namespace deleted just before the restore — is waited for, up to the server's
 * terminating-resource timeout, and then created anew.
 */
import { isAlreadyExists, isNotFound, Resources, type KubeClient, type KubeObject } from '../kube/index.ts';
import { sleep } from '../util/index.ts';

export interface NamespaceOptions {
  client: KubeClient;
  terminatingTimeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
}

export type NamespaceOutcome = 'created' | 'existed';

export class NamespaceEnsurer {
  readonly #opts: NamespaceOptions;
  readonly #pending = new Map<string, Promise<NamespaceOutcome>>();
  #list: Promise<Map<string, KubeObject>> | undefined;
  /** Namespaces this restore created: empty but for what controllers add, so nothing in them needs listing. */
  readonly created = new Set<string>();

  constructor(opts: NamespaceOptions) {
    this.#opts = opts;
  }

  #listed(): Promise<Map<string, KubeObject>> {
    this.#list ??= (async () => {
      const out = new Map<string, KubeObject>();
      for await (const ns of this.#opts.client.listAll(Resources.namespaces, { signal: this.#opts.signal })) out.set(ns.metadata.name!, ns);
      return out;
    })();
    // A failed LIST is not remembered: the next namespace tries again.
    this.#list.catch(() => (this.#list = undefined));
    return this.#list;
  }

  /** Makes sure `target` exists; the first call for a namespace does the work, later ones share it. */
  ensure(target: string, fromBackup: KubeObject | undefined): Promise<NamespaceOutcome> {
    let p = this.#pending.get(target);
    if (!p) {
      p = this.#ensure(target, fromBackup);
      // A failure is not remembered: the next item in that namespace tries again.
      p.catch(() => this.#pending.delete(target));
      this.#pending.set(target, p);
    }
    return p;
  }

  async #ensure(target: string, fromBackup: KubeObject | undefined): Promise<NamespaceOutcome> {
    const { client, signal } = this.#opts;
    const deadline = Date.now() + this.#opts.terminatingTimeoutMs;
    // The first look comes from one LIST shared by every namespace of the restore; only a namespace that is
    // terminating, or that appeared or went meanwhile, is looked at again with a GET.
    let current = (await this.#listed()).get(target);
    for (let first = true; ; first = false) {
      if (!first) current = await getNamespace(client, target, signal);
      if (current && !isTerminating(current)) return 'existed';
      if (!current) {
        try {
          await client.create(Resources.namespaces, namespaceBody(target, fromBackup), { signal });
          this.created.add(target);
          return 'created';
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          continue;
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(`namespace ${target} is still terminating after ${Math.round(this.#opts.terminatingTimeoutMs / 1000)}s (--terminating-resource-timeout)`);
      }
      await sleep(this.#opts.pollMs ?? 1000, signal);
    }
  }
}

async function getNamespace(client: KubeClient, name: string, signal: AbortSignal | undefined): Promise<KubeObject | undefined> {
  try {
    return await client.get(Resources.namespaces, name, { signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function isTerminating(ns: KubeObject): boolean {
  return ns.metadata.deletionTimestamp !== undefined || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';
}

/** The backed-up namespace's labels, annotations and spec under the target name (restore labels are not added, as in Velero). */
function namespaceBody(target: string, fromBackup: KubeObject | undefined): KubeObject {
  const meta = fromBackup?.metadata;
  const labels = { ...meta?.labels };
  // The API server sets this one from the name; a mapped namespace must not carry its source's.
  if (labels['kubernetes.io/metadata.name'] !== undefined) labels['kubernetes.io/metadata.name'] = target;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: target, ...(Object.keys(labels).length ? { labels } : {}), ...(meta?.annotations ? { annotations: { ...meta.annotations } } : {}) },
    ...(fromBackup?.spec ? { spec: structuredClone(fromBackup.spec) } : {}),
  };
}
