/** @module api/crds.test — the generated CRDs: structural schemas, Velero's names and columns, nothing pruned, stable YAML. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { crdFor, crdManifests, renderCrdsYaml } from './crds.ts';
import { fixtureObjects } from './fixture.ts';
import { VELERO_KINDS, VeleroResources, type VeleroKind } from './kinds.ts';
import type { JSONSchemaProps } from './openapi.ts';
import { fullObjects } from './testing.ts';

const ALLOWED_KEYS = new Set([
  'description',
  'type',
  'format',
  'enum',
  'nullable',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'pattern',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** The API server's structural-schema rules, as far as our schemas can break them; returns the violations. */
function structuralProblems(node: unknown, path: string, problems: string[] = []): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [...problems, `${path}: not a schema object`];
  const s = node as Record<string, unknown>;
  for (const key of Reflect.ownKeys(s)) {
    if (typeof key !== 'string' || !ALLOWED_KEYS.has(key)) problems.push(`${path}: key ${String(key)} is not allowed`);
  }
  if (typeof s['type'] !== 'string' || !TYPES.has(s['type'])) problems.push(`${path}: needs a type`);
  if (s['nullable'] !== undefined && typeof s['type'] !== 'string') problems.push(`${path}: nullable without a type`);
  if (s['type'] === 'object') {
    const shaped = s['properties'] !== undefined || s['additionalProperties'] !== undefined || s['x-kubernetes-preserve-unknown-fields'] === true;
    if (!shaped) problems.push(`${path}: object without properties, additionalProperties or preserve-unknown-fields`);
    if (s['properties'] !== undefined && s['additionalProperties'] !== undefined) problems.push(`${path}: properties and additionalProperties`);
    if (typeof s['additionalProperties'] === 'boolean') problems.push(`${path}: boolean additionalProperties`);
  }
  if (s['type'] === 'array' && s['items'] === undefined) problems.push(`${path}: array without items`);
  if (Array.isArray(s['enum']) && s['type'] === 'string' && !s['enum'].every((v) => typeof v === 'string')) problems.push(`${path}: non-string enum`);
  const props = (s['properties'] ?? {}) as Record<string, unknown>;
  for (const r of (s['required'] ?? []) as string[]) if (!(r in props)) problems.push(`${path}: required ${r} is not a property`);
  for (const [name, child] of Object.entries(props)) structuralProblems(child, `${path}.${name}`, problems);
  if (typeof s['additionalProperties'] === 'object') structuralProblems(s['additionalProperties'], `${path}.*`, problems);
  if (s['items'] !== undefined) structuralProblems(s['items'], `${path}[]`, problems);
  return problems;
}

/** What the API server would prune from `value` under `schema`: every path the schema does not declare. */
function prunedPaths(schema: JSONSchemaProps, value: unknown, path: string, out: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || schema['x-kubernetes-preserve-unknown-fields'] === true) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => schema.items && prunedPaths(schema.items, v, `${path}[${i}]`, out));
    return out;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    // The root's metadata is ObjectMeta, kept by the API server's own rules, not by the CRD schema.
    if (path === '' && key === 'metadata') continue;
    const sub = schema.properties?.[key] ?? schema.additionalProperties;
    if (sub === undefined) out.push(`${path}.${key}`);
    else prunedPaths(sub, child, `${path}.${key}`, out);
  }
  return out;
}

function rootSchema(kind: VeleroKind): JSONSchemaProps {
  const schema = crdFor(kind).spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  return schema;
}

test('every CRD schema is structural and carries no TypeBox-only keys', () => {
  for (const crd of crdManifests()) {
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
    const { metadata, ...rest } = schema?.properties ?? {};
    // metadata is the API server's: CRDs may only say `type: object` there.
    assert.deepEqual(metadata, { type: 'object' }, crd.metadata.name);
    assert.deepEqual(structuralProblems({ ...schema, properties: rest }, crd.metadata.name), []);
    const json = JSON.stringify(crd);
    for (const bad of ['~kind', '~optional', '$id', '$schema', 'anyOf', 'patternProperties', 'const', 'go-duration']) {
      assert.ok(!json.includes(`"${bad}"`) && !json.includes(`"${bad}`), `${crd.metadata.name} contains ${bad}`);
    }
  }
});

test('the catalogue: 13 namespaced kinds, Velero names, one served storage version, no status subresource', () => {
  const crds = crdManifests();
  assert.equal(crds.length, 13);
  assert.deepEqual(
    crds.map((c) => c.spec.names.kind),
    VELERO_KINDS.map((k) => k.kind).sort(),
  );
  for (const crd of crds) {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.velero.io`);
    assert.deepEqual(crd.metadata.labels, { component: 'velero' });
    assert.equal(crd.spec.group, 'velero.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.equal(crd.spec.names.listKind, `${crd.spec.names.kind}List`);
    assert.equal(crd.spec.names.singular, crd.spec.names.kind.toLowerCase());
    assert.equal(crd.spec.versions.length, 1);
    const [v] = crd.spec.versions;
    assert.equal(v?.served, true);
    assert.equal(v?.storage, true);
    assert.equal(v?.name, ['DataUpload', 'DataDownload'].includes(crd.spec.names.kind) ? 'v2alpha1' : 'v1');
    assert.ok(!('subresources' in (v ?? {})), `${crd.metadata.name} has no subresources`);
  }
  const shortNames = Object.fromEntries(crds.filter((c) => c.spec.names.shortNames).map((c) => [c.spec.names.kind, c.spec.names.shortNames]));
  assert.deepEqual(shortNames, { BackupStorageLocation: ['bsl'], ServerStatusRequest: ['ssr'], VolumeSnapshotLocation: ['vsl'] });
  assert.deepEqual(VeleroResources.backups, { group: 'velero.io', version: 'v1', resource: 'backups', namespaced: true });
  assert.deepEqual(VeleroResources.dataUploads, { group: 'velero.io', version: 'v2alpha1', resource: 'datauploads', namespaced: true });
});

test('printer columns follow Velero', () => {
  const columns = (kind: VeleroKind): string[] =>
    (crdFor(kind).spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => `${c.name}|${c.type}|${c.jsonPath}${c.priority ? `|${c.priority}` : ''}`);
  assert.deepEqual(columns('Backup'), []);
  assert.deepEqual(columns('Schedule'), [
    'Status|string|.status.phase',
    'Schedule|string|.spec.schedule',
    'LastBackup|date|.status.lastBackup',
    'Age|date|.metadata.creationTimestamp',
    'Paused|boolean|.spec.paused',
  ]);
  assert.deepEqual(columns('BackupStorageLocation'), [
    'Phase|string|.status.phase',
    'Last Validated|date|.status.lastValidationTime',
    'Age|date|.metadata.creationTimestamp',
    'Default|boolean|.spec.default',
  ]);
  assert.deepEqual(columns('DeleteBackupRequest'), ['BackupName|string|.spec.backupName', 'Status|string|.status.phase']);
  assert.ok(columns('PodVolumeBackup').includes('Node|string|.status.node'));
  assert.ok(columns('DataUpload').includes('Incremental Bytes|integer|.status.progress.incrementalBytes|10'));
  assert.deepEqual(columns('BackupRepository'), ['Age|date|.metadata.creationTimestamp', 'Repository Type|string|.spec.repositoryType']);
});

test('schema details: nullable pointers, durations as plain strings, times, maps, preserved raw objects', () => {
  const backup = rootSchema('Backup').properties;
  const spec = backup?.['spec']?.properties;
  assert.deepEqual(spec?.['includeClusterResources'], { nullable: true, type: 'boolean' });
  assert.deepEqual(spec?.['ttl'], { description: 'Retention; 0 or unset means the server default (720h).', type: 'string' });
  assert.deepEqual(spec?.['orderedResources']?.additionalProperties, { type: 'string' });
  assert.equal(spec?.['labelSelector']?.['x-kubernetes-map-type'], 'atomic');
  assert.deepEqual(backup?.['status']?.properties?.['expiration'], { format: 'date-time', nullable: true, type: 'string' });
  assert.deepEqual(backup?.['status']?.properties?.['progress']?.properties?.['totalItems'], { type: 'integer' });
  const hooks = rootSchema('Restore').properties?.['spec']?.properties?.['hooks'];
  const init = hooks?.properties?.['resources']?.items?.properties?.['postHooks']?.items?.properties?.['init'];
  assert.deepEqual(init?.properties?.['initContainers']?.items, {
    description: 'A core/v1 Container.',
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
  const bsl = rootSchema('BackupStorageLocation').properties?.['spec'];
  assert.deepEqual(bsl?.required, ['objectStorage', 'provider']);
  assert.equal(bsl?.properties?.['objectStorage']?.properties?.['caCert']?.format, 'byte');
  assert.deepEqual(rootSchema('ServerStatusRequest').properties?.['spec'], { properties: {}, type: 'object' });
  assert.deepEqual(rootSchema('PodVolumeBackup').properties?.['status']?.properties?.['progress']?.properties?.['bytesDone'], {
    format: 'int64',
    type: 'integer',
  });
});

test('nothing real Velero wrote would be pruned by our schemas', () => {
  const objects = fixtureObjects();
  assert.ok(objects.length >= 2);
  for (const { file, kind, object } of objects) assert.deepEqual(prunedPaths(rootSchema(kind as VeleroKind), object, ''), [], file);
});

test('nothing in a fully populated object of any kind would be pruned', () => {
  for (const [kind, obj] of Object.entries(fullObjects('velero'))) {
    assert.deepEqual(prunedPaths(rootSchema(kind as VeleroKind), obj, ''), [], kind);
  }
  // The checker does notice a field the schema lacks.
  assert.deepEqual(prunedPaths(rootSchema('Backup'), { spec: { ttl: '1h', bogus: 1 } }, ''), ['.spec.bogus']);
});

test('the YAML rendering is deterministic, sorted by kind, and parses back to the manifests', () => {
  const first = renderCrdsYaml();
  assert.equal(renderCrdsYaml(), first);
  assert.ok(first.startsWith('---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n'));
  const docs = parseAllDocuments(first).map((d) => d.toJS() as { spec: { names: { kind: string } } });
  assert.deepEqual(docs, JSON.parse(JSON.stringify(crdManifests())));
  const kinds = docs.map((d) => d.spec.names.kind);
  assert.deepEqual(kinds, [...kinds].sort());
  // Keys inside the schemas are alphabetical, as controller-gen writes them.
  const spec = docs[0] as unknown as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: object } } }> } };
  assert.deepEqual(Object.keys(spec.spec.versions[0]?.schema.openAPIV3Schema.properties ?? {}), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
});
