/** @module controllers/server-status-request-controller.test — the plugin list a ServerStatusRequest reports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtInPlugins } from './server-status-request-controller.ts';

test("built-in plugins: object stores and item actions under Velero's names and kinds", () => {
  const plugins = builtInPlugins();
  const of = (kind: string): string[] => plugins.filter((p) => p.kind === kind).map((p) => p.name ?? '');
  assert.deepEqual(of('ObjectStore'), ['velero.io/aws', 'skiff.io/local']);
  assert.deepEqual(of('BackupItemAction').sort(), ['velero.io/pod', 'velero.io/pv', 'velero.io/service-account']);
  const restore = of('RestoreItemAction');
  for (const name of ['velero.io/pod', 'velero.io/pvc', 'velero.io/job', 'velero.io/service', 'velero.io/change-storage-class', 'velero.io/change-image-name']) {
    assert.ok(restore.includes(name), `${name} in ${restore.join(', ')}`);
  }
  assert.equal(new Set(plugins.map((p) => `${p.kind}/${p.name}`)).size, plugins.length, 'no duplicates');
});
