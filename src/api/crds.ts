/** @module api/crds: the velero.io CustomResourceDefinitions, generated from the schemas, as objects and as YAML. */
import { stringify } from 'yaml';
import type { KubeObject } from '../kube/index.ts';
import { kindInfo, VELERO_KINDS, type KindInfo, type PrinterColumn, type VeleroKind } from './kinds.ts';
import { API_GROUP, COMPONENT_VELERO, LABEL_COMPONENT } from './labels.ts';
import { toJSONSchemaProps, type JSONSchemaProps } from './openapi.ts';

export interface CustomResourceDefinition extends KubeObject {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }>;
  };
}

/** `<plural>.velero.io`, the CRD's name. */
export function crdName(info: Pick<KindInfo, 'plural'>): string {
  return `${info.plural}.${API_GROUP}`;
}

/**
 * The root of a kind's schema. apiVersion, kind and metadata are written as every CRD writes them: the API
 * server owns metadata's schema, and our literal apiVersion/kind (for TypeScript) would be an enum here.
 */
function rootSchema(info: KindInfo): JSONSchemaProps {
  const converted = toJSONSchemaProps(info.schema, '');
  const properties = { ...converted.properties };
  properties['apiVersion'] = { description: 'The object\'s schema version, velero.io/' + info.version + '.', type: 'string' };
  properties['kind'] = { description: `The object's kind, ${info.kind}.`, type: 'string' };
  properties['metadata'] = { type: 'object' };
  const ordered: Record<string, JSONSchemaProps> = {};
  for (const key of Object.keys(properties).sort()) ordered[key] = properties[key] as JSONSchemaProps;
  // The root requires nothing: Velero's CRDs leave even spec optional.
  const { required: _required, ...rest } = converted;
  return { ...rest, properties: ordered };
}

function printerColumn(c: PrinterColumn): PrinterColumn {
  // Fixed key order for stable output; optional keys only when set.
  return {
    name: c.name,
    type: c.type,
    jsonPath: c.jsonPath,
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.format !== undefined ? { format: c.format } : {}),
    ...(c.priority !== undefined ? { priority: c.priority } : {}),
  };
}

/** The CRD of one kind: Namespaced, one served+storage version, no status subresource (as Velero's). */
export function crdManifest(info: KindInfo): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(info), labels: { [LABEL_COMPONENT]: COMPONENT_VELERO } },
    spec: {
      group: API_GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: info.version,
          served: true,
          storage: true,
          ...(info.printerColumns.length > 0 ? { additionalPrinterColumns: info.printerColumns.map(printerColumn) } : {}),
          schema: { openAPIV3Schema: rootSchema(info) },
        },
      ],
    },
  };
}

/** All 13 CRDs, sorted by kind (a fresh copy each call; callers may change them). */
export function crdManifests(): CustomResourceDefinition[] {
  return [...VELERO_KINDS].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)).map(crdManifest);
}

/** The CRD of one kind by kind name. */
export function crdFor(kind: VeleroKind): CustomResourceDefinition {
  return crdManifest(kindInfo(kind));
}

/**
 * YAML as kubectl and Velero print it: go-yaml style sequences, no line folding, no anchors, and YAML 1.1
 * quoting so strings such as `"yes"` stay strings for Go's parser.
 */
export function toYaml(doc: unknown): string {
  return stringify(doc, { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** Deterministic multi-document YAML of the given manifests (default: all CRDs), `---`-separated. */
export function renderCrdsYaml(manifests: readonly object[] = crdManifests()): string {
  return manifests.map((m) => `---\n${toYaml(m)}`).join('');
}
