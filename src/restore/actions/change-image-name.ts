/**
 * @module restore/actions/change-image-name: `velero.io/change-image-name` — rewrite container images
 * (for example to a mirror registry) from rules in the plugin's ConfigMap.
 *
 * Each data value is a rule `"<old part>,<new part>"` (the key is just a label): an image containing
 * `<old part>` has every occurrence of it replaced by `<new part>`. Only the first rule that matches an
 * image applies. Velero tries rules in Go-map (random) order; we try them in key order so a restore is
 * reproducible — name the keys accordingly when rules overlap. Velero silently ignores malformed
 * rules; we fail the item instead, naming the entry, since a silently unapplied mirror rule would
 * restore workloads pulling from the wrong registry.
 */
import type { KubeObject } from '../../kube/index.ts';
import type { RestoreItemAction } from './types.ts';
import { dig, findPluginConfig, records, type PluginConfig } from './support.ts';

const NAME = 'velero.io/change-image-name';

export interface ImageRule {
  key: string;
  from: string;
  to: string;
}

/** Where the pod spec lives, by kind: pods hold it directly, CronJobs two templates down, the rest one. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const TEMPLATE_POD_SPEC = ['spec', 'template', 'spec'] as const;

export const changeImageNameAction: RestoreItemAction = {
  name: NAME,
  appliesTo: {
    includedResources: [
      'pods', 'deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps',
      'replicationcontrollers', 'jobs.batch', 'cronjobs.batch',
    ],
  },
  async execute(item, ctx) {
    const config = await findPluginConfig(ctx, NAME);
    if (!config || Object.keys(config.data).length === 0) return { item };
    const rules = parseImageRules(config);
    const out = structuredClone(item);
    return { item: renameImages(out, rules) ? out : item };
  },
};

/** The rules of the ConfigMap, in key order; throws naming the first malformed entry. */
export function parseImageRules(config: PluginConfig): ImageRule[] {
  return Object.keys(config.data).sort().map((key) => {
    const value = config.data[key]!;
    const parts = value.split(',').map((p) => p.trim());
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new Error(
        `${NAME} ConfigMap "${config.name}": entry "${key}" is "${value}"; ` +
          'expected "<old image part>,<new image part>" with both parts non-empty',
      );
    }
    return { key, from: parts[0]!, to: parts[1]! };
  });
}

/** The image after the first matching rule, or the image itself when none matches. */
export function rewriteImage(image: string, rules: readonly ImageRule[]): string {
  const rule = rules.find((r) => image.includes(r.from));
  return rule ? image.replaceAll(rule.from, rule.to) : image;
}

/** Rewrites images of containers and init containers in place; true when any changed. */
function renameImages(obj: KubeObject, rules: readonly ImageRule[]): boolean {
  const podSpec = dig(obj, POD_SPEC_PATHS[obj.kind ?? ''] ?? TEMPLATE_POD_SPEC);
  let changed = false;
  for (const container of [...records(podSpec?.containers), ...records(podSpec?.initContainers)]) {
    if (typeof container.image !== 'string' || container.image === '') continue;
    const next = rewriteImage(container.image, rules);
    if (next !== container.image) {
      container.image = next;
      changed = true;
    }
  }
  return changed;
}
