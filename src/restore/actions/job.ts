/**
 * @module restore/actions/job: `velero.io/job` — drop the labels that tie a Job's selector and pod
 * template to the UID of the backed-up Job; the API server generates them anew for the new UID and
 * rejects a Job whose generated selector names another UID.
 */
import type { RestoreItemAction } from './types.ts';
import { dig } from './support.ts';

/** Current and legacy (pre-1.27) names of the label holding the Job's UID. */
const CONTROLLER_UID_LABELS = ['batch.kubernetes.io/controller-uid', 'controller-uid'];

export const jobAction: RestoreItemAction = {
  name: 'velero.io/job',
  appliesTo: { includedResources: ['jobs.batch'] },
  async execute(item) {
    const job = structuredClone(item);
    const maps = [dig(job, ['spec', 'selector', 'matchLabels']), dig(job, ['spec', 'template', 'metadata', 'labels'])];
    for (const labels of maps) for (const key of CONTROLLER_UID_LABELS) if (labels) delete labels[key];
    return { item: job };
  },
};
