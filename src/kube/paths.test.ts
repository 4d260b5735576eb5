/** Unit tests for kube/paths: resourcePath for every kind of address, and objectKey. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { objectKey, resourcePath } from './paths.ts';
import { Resources } from './well-known.ts';

describe('resourcePath', () => {
  it('core and grouped, namespaced and cluster-scoped, collections and objects', () => {
    assert.equal(resourcePath(Resources.pods), '/api/v1/pods');
    assert.equal(resourcePath(Resources.pods, { namespace: 'ns' }), '/api/v1/namespaces/ns/pods');
    assert.equal(resourcePath(Resources.pods, { namespace: 'ns', name: 'p' }), '/api/v1/namespaces/ns/pods/p');
    assert.equal(resourcePath(Resources.namespaces, { name: 'ns' }), '/api/v1/namespaces/ns');
    assert.equal(resourcePath(Resources.deployments, { namespace: 'ns', name: 'd' }), '/apis/apps/v1/namespaces/ns/deployments/d');
    assert.equal(resourcePath(Resources.deployments), '/apis/apps/v1/deployments');
    assert.equal(resourcePath(Resources.customResourceDefinitions, { name: 'backups.velero.io' }),
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/backups.velero.io');
  });

  it('subresources', () => {
    assert.equal(resourcePath(Resources.pods, { namespace: 'ns', name: 'p', subresource: 'exec' }), '/api/v1/namespaces/ns/pods/p/exec');
    assert.equal(resourcePath(Resources.deployments, { namespace: 'ns', name: 'd', subresource: 'scale' }), '/apis/apps/v1/namespaces/ns/deployments/d/scale');
    assert.equal(resourcePath(Resources.namespaces, { name: 'ns', subresource: 'finalize' }), '/api/v1/namespaces/ns/finalize');
  });

  it('encodes names and namespaces', () => {
    assert.equal(resourcePath(Resources.configMaps, { namespace: 'ns', name: 'a/b c?d#e%' }), '/api/v1/namespaces/ns/configmaps/a%2Fb%20c%3Fd%23e%25');
    assert.equal(resourcePath(Resources.nodes, { name: 'system:node:x' }), '/api/v1/nodes/system%3Anode%3Ax');
    assert.equal(resourcePath(Resources.configMaps, { namespace: 'a/b' }), '/api/v1/namespaces/a%2Fb/configmaps');
  });

  it('a namespace for a cluster-scoped resource throws; an empty one is ignored', () => {
    assert.throws(() => resourcePath(Resources.nodes, { namespace: 'ns' }), /cluster-scoped/);
    assert.throws(() => resourcePath(Resources.customResourceDefinitions, { namespace: 'ns', name: 'x' }), /cluster-scoped/);
    assert.equal(resourcePath(Resources.nodes, { namespace: '' }), '/api/v1/nodes');
  });

  it('an empty name throws instead of addressing the collection', () => {
    assert.throws(() => resourcePath(Resources.pods, { namespace: 'ns', name: '' }), /empty name/);
  });
});

describe('objectKey', () => {
  it('is namespace/name, or the name for cluster-scoped objects', () => {
    assert.equal(objectKey({ namespace: 'ns', name: 'a' }), 'ns/a');
    assert.equal(objectKey({ name: 'node-1' }), 'node-1');
    assert.equal(objectKey({ namespace: '', name: 'x' }), 'x');
  });
});
