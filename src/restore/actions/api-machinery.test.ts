/** velero.io/admission-webhook-configuration, velero.io/apiservice, velero.io/crd-preserve-fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionApplies } from '../../backup/index.ts';
import type { KubeObject } from '../../kube/index.ts';
import { admissionWebhookConfigurationAction, apiServiceAction, crdPreserveFieldsAction } from './api-machinery.ts';
import { frozen, makeContext } from './testing.ts';

test('admission webhooks (v1): sideEffects other than None/NoneOnDryRun become None', async () => {
  const item = frozen({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' },
    webhooks: [{ name: 'a', sideEffects: 'Unknown' }, { name: 'b', sideEffects: 'NoneOnDryRun' }, { name: 'c', sideEffects: 'Some' }, { name: 'd', sideEffects: 'None' }, { name: 'e' }],
  });
  const r = await admissionWebhookConfigurationAction.execute(item, makeContext(item));
  assert.deepEqual((r.item.webhooks as Array<{ sideEffects: string }>).map((w) => w.sideEffects), ['None', 'NoneOnDryRun', 'None', 'None', 'None']);
});

test('admission webhooks of other versions are untouched; both kinds are covered', async () => {
  const item = frozen({ apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: [{ sideEffects: 'Unknown' }] });
  assert.equal((await admissionWebhookConfigurationAction.execute(item, makeContext(item))).item, item);
  assert.ok(actionApplies(admissionWebhookConfigurationAction, 'mutatingwebhookconfigurations.admissionregistration.k8s.io', item));
  assert.ok(actionApplies(admissionWebhookConfigurationAction, 'validatingwebhookconfigurations.admissionregistration.k8s.io', item));
});

test('apiservice: automanaged APIServices are skipped, others restored; applicability uses the label', async () => {
  const managed = frozen({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.apps', labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } } });
  const custom = frozen({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' } });
  assert.equal((await apiServiceAction.execute(managed, makeContext(managed))).skip, true);
  assert.equal((await apiServiceAction.execute(custom, makeContext(custom))).skip, undefined);
  assert.ok(actionApplies(apiServiceAction, 'apiservices.apiregistration.k8s.io', managed));
  assert.ok(!actionApplies(apiServiceAction, 'apiservices.apiregistration.k8s.io', custom));
});

const crd = (apiVersion: string, spec: Record<string, unknown>): KubeObject => frozen({ apiVersion, kind: 'CustomResourceDefinition', metadata: { name: 'foos.example.com' }, spec });

test('crd-preserve-fields: v1 with preserveUnknownFields=true moves it into each version schema', async () => {
  const item = crd('apiextensions.k8s.io/v1', {
    preserveUnknownFields: true,
    versions: [
      { name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } },
      { name: 'v2' },
    ],
  });
  const r = await crdPreserveFieldsAction.execute(item, makeContext(item));
  const spec = r.item.spec as { preserveUnknownFields: boolean; versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> };
  assert.equal(spec.preserveUnknownFields, false);
  assert.deepEqual(spec.versions[0]!.schema.openAPIV3Schema, { type: 'object', properties: { spec: { type: 'object' } }, 'x-kubernetes-preserve-unknown-fields': true });
  assert.deepEqual(spec.versions[1]!.schema.openAPIV3Schema, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
});

test('crd-preserve-fields: other versions and preserveUnknownFields false/absent are untouched', async () => {
  for (const item of [
    crd('apiextensions.k8s.io/v1beta1', { preserveUnknownFields: true }),
    crd('apiextensions.k8s.io/v1', { preserveUnknownFields: false, versions: [{ name: 'v1' }] }),
    crd('apiextensions.k8s.io/v1', { versions: [{ name: 'v1' }] }),
  ]) assert.equal((await crdPreserveFieldsAction.execute(item, makeContext(item))).item, item);
});
