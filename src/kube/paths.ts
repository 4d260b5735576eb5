/** @module kube/paths: REST paths for group/version/resource addresses. */
import type { ResourceRef } from './types.ts';

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/**
 * `/api/v1/namespaces/ns/pods/name/exec` and friends. A namespace given for a cluster-scoped
 * resource is a programming error, reported rather than silently dropped.
 */
export function resourcePath(ref: ResourceRef, parts: PathParts = {}): string {
  let path = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (parts.namespace !== undefined && parts.namespace !== '') {
    if (!ref.namespaced) throw new Error(`${ref.resource} is cluster-scoped: no namespace may be given (got "${parts.namespace}")`);
    path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  }
  path += `/${ref.resource}`;
  if (parts.name !== undefined) {
    if (parts.name === '') throw new Error(`an empty name was given for ${ref.resource}`);
    path += `/${encodeURIComponent(parts.name)}`;
  }
  if (parts.subresource) path += `/${parts.subresource}`;
  return path;
}

/** The identity of an object inside one resource: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(meta: { namespace?: string | undefined; name?: string | undefined }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}
