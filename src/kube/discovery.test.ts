/** Unit tests for kube/discovery and discovery-parse: both wire formats, failures, find/resolve, preferred resources, shared refresh. */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Transport } from './transport.ts';
import { Discovery } from './discovery.ts';
import { parseAggregated, parseLegacyGroupVersion, type AggregatedList, type ApiGroupList, type ApiResourceList } from './discovery-parse.ts';
import { KubeApiError, isNotFound } from './errors.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus, type RecordedRequest } from './testing/index.ts';

const AGGREGATED_AS = 'as=APIGroupDiscoveryList';
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

// ---- hand-written samples, shaped like a 1.30 kube-apiserver's answers ----

type AggResource = NonNullable<NonNullable<NonNullable<AggregatedList['items']>[number]['versions']>[number]['resources']>[number];
function aggResource(resource: string, kind: string, scope: 'Namespaced' | 'Cluster', singular: string, extra: Partial<AggResource> = {}): AggResource {
  return { resource, responseKind: { group: '', version: '', kind }, scope, singularResource: singular, verbs: VERBS, ...extra };
}

const AGG_CORE: AggregatedList = {
  kind: 'APIGroupDiscoveryList',
  items: [{
    metadata: {},
    versions: [{
      version: 'v1',
      freshness: 'Current',
      resources: [
        aggResource('pods', 'Pod', 'Namespaced', 'pod', {
          shortNames: ['po'], categories: ['all'],
          subresources: [{ subresource: 'exec' }, { subresource: 'log' }, { subresource: 'status' }],
        }),
        aggResource('events', 'Event', 'Namespaced', 'event', { shortNames: ['ev'] }),
        aggResource('namespaces', 'Namespace', 'Cluster', 'namespace', { shortNames: ['ns'] }),
      ],
    }],
  }],
};

const AGG_GROUPS: AggregatedList = {
  kind: 'APIGroupDiscoveryList',
  items: [
    {
      metadata: { name: 'apps' },
      versions: [{ version: 'v1', freshness: 'Current', resources: [
        aggResource('deployments', 'Deployment', 'Namespaced', 'deployment', { shortNames: ['deploy'], categories: ['all'], subresources: [{ subresource: 'scale' }, { subresource: 'status' }] }),
      ] }],
    },
    {
      metadata: { name: 'autoscaling' },
      versions: [
        { version: 'v2', freshness: 'Current', resources: [aggResource('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced', 'horizontalpodautoscaler', { shortNames: ['hpa'] })] },
        { version: 'v1', freshness: 'Current', resources: [aggResource('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced', 'horizontalpodautoscaler', { shortNames: ['hpa'] })] },
      ],
    },
    {
      metadata: { name: 'events.k8s.io' },
      versions: [{ version: 'v1', freshness: 'Current', resources: [aggResource('events', 'Event', 'Namespaced', 'event', { shortNames: ['ev'] })] }],
    },
    {
      // An aggregated API whose v1beta2 server is down: the stale version must not be preferred or served.
      metadata: { name: 'metrics.k8s.io' },
      versions: [
        { version: 'v1beta2', freshness: 'Stale', resources: [aggResource('pods', 'PodMetrics', 'Namespaced', '')] },
        { version: 'v1beta1', freshness: 'Current', resources: [aggResource('pods', 'PodMetrics', 'Namespaced', ''), aggResource('nodes', 'NodeMetrics', 'Cluster', '')] },
      ],
    },
    {
      metadata: { name: 'custom.metrics.k8s.io' },
      versions: [{ version: 'v1beta1', freshness: 'Stale' }],
    },
  ],
};

const LEGACY_API = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] };

function groupEntry(name: string, versions: string[], preferred = versions[0]!): NonNullable<ApiGroupList['groups']>[number] {
  return {
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

const LEGACY_GROUPS: ApiGroupList = {
  kind: 'APIGroupList',
  groups: [
    groupEntry('apps', ['v1']),
    groupEntry('autoscaling', ['v2', 'v1']),
    groupEntry('events.k8s.io', ['v1']),
    groupEntry('example.com', ['v2', 'v1']),
    groupEntry('metrics.k8s.io', ['v1beta1']),
  ],
};

type LegacyResource = NonNullable<ApiResourceList['resources']>[number];
function res(name: string, kind: string, namespaced: boolean, singularName: string, extra: Partial<LegacyResource> = {}): LegacyResource {
  return { name, singularName, namespaced, kind, verbs: VERBS, ...extra };
}

const LEGACY_CORE_V1: ApiResourceList = {
  groupVersion: 'v1',
  resources: [
    res('pods', 'Pod', true, 'pod', { shortNames: ['po'], categories: ['all'] }),
    res('pods/exec', 'PodExecOptions', true, '', { verbs: ['create', 'get'] }),
    res('pods/log', 'Pod', true, '', { verbs: ['get'] }),
    res('pods/status', 'Pod', true, '', { verbs: ['get', 'patch', 'update'] }),
    res('events', 'Event', true, 'event', { shortNames: ['ev'] }),
    res('namespaces', 'Namespace', false, 'namespace', { shortNames: ['ns'] }),
    res('bindings', 'Binding', true, '', { verbs: ['create'] }), // an old server's empty singularName
  ],
};

const LEGACY_RESOURCES: Record<string, ApiResourceList> = {
  '/api/v1': LEGACY_CORE_V1,
  '/apis/apps/v1': { groupVersion: 'apps/v1', resources: [res('deployments', 'Deployment', true, 'deployment', { shortNames: ['deploy'] }), res('deployments/scale', 'Scale', true, '')] },
  '/apis/autoscaling/v2': { groupVersion: 'autoscaling/v2', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, 'horizontalpodautoscaler', { shortNames: ['hpa'] })] },
  '/apis/autoscaling/v1': { groupVersion: 'autoscaling/v1', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, 'horizontalpodautoscaler', { shortNames: ['hpa'] })] },
  '/apis/events.k8s.io/v1': { groupVersion: 'events.k8s.io/v1', resources: [res('events', 'Event', true, 'event', { shortNames: ['ev'] })] },
  '/apis/example.com/v2': { groupVersion: 'example.com/v2', resources: [res('widgets', 'Widget', true, 'widget')] },
  // gadgets are only served by the non-preferred v1
  '/apis/example.com/v1': { groupVersion: 'example.com/v1', resources: [res('widgets', 'Widget', true, 'widget'), res('gadgets', 'Gadget', false, 'gadget', { shortNames: ['gd'] })] },
};

// ---- fake servers ----

interface DiscoveryServer {
  server: FakeApiServer;
  transport: Transport;
  requests: (path: string) => RecordedRequest[];
}

async function start(t: TestContext, mode: 'aggregated' | 'legacy', opts: { delayMs?: number } = {}): Promise<DiscoveryServer & { groups: ApiGroupList; resources: Record<string, ApiResourceList> }> {
  const server = await FakeApiServer.start();
  const transport = new Transport({ connection: fakeConnection(server.url), retry: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
  t.after(async () => {
    await transport.close();
    await server.close();
  });
  const groups = structuredClone(LEGACY_GROUPS);
  const resources = structuredClone(LEGACY_RESOURCES);
  const answer = (fn: () => void): void => void (opts.delayMs ? setTimeout(fn, opts.delayMs) : fn());
  for (const [path, aggregated, legacy] of [['/api', AGG_CORE, LEGACY_API], ['/apis', AGG_GROUPS, groups]] as const) {
    server.on('GET', path, (req, r) => answer(() => {
      const wantsAggregated = (req.headers.accept ?? '').includes(AGGREGATED_AS);
      if (mode === 'aggregated' && wantsAggregated) {
        sendJson(r, 200, { apiVersion: 'apidiscovery.k8s.io/v2', ...aggregated }, { 'content-type': 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
      } else {
        sendJson(r, 200, legacy);
      }
    }));
  }
  server.on('GET', /^\/apis?\/.+/, (req, r) => {
    if (req.path === '/apis/metrics.k8s.io/v1beta1') return sendStatus(r, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    const list = resources[req.path];
    if (list) sendJson(r, 200, { kind: 'APIResourceList', ...list });
    else sendStatus(r, 404, 'NotFound', 'the server could not find the requested resource');
  });
  return { server, transport, groups, resources, requests: (path) => server.requestsTo(path) };
}

const id = (r: { group: string; version: string; resource: string } | undefined): string | undefined =>
  r && `${r.resource}.${r.version}.${r.group || 'core'}`;

// ---- tests ----

describe('discovery-parse', () => {
  it('parseAggregated: groups in preference order, resources, scope, subresources', () => {
    const p = parseAggregated([AGG_CORE, AGG_GROUPS]);
    assert.deepEqual(p.groups.find((g) => g.name === ''), { name: '', versions: ['v1'], preferredVersion: 'v1' });
    assert.deepEqual(p.groups.find((g) => g.name === 'autoscaling'), { name: 'autoscaling', versions: ['v2', 'v1'], preferredVersion: 'v2' });
    const pods = p.resources.find((r) => r.group === '' && r.resource === 'pods');
    assert.deepEqual(pods, {
      group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, singular: 'pod', verbs: VERBS,
      shortNames: ['po'], categories: ['all'], subresources: ['exec', 'log', 'status'], preferred: true,
    });
    assert.equal(p.resources.find((r) => r.resource === 'namespaces')?.namespaced, false);
    const deploy = p.resources.find((r) => r.group === 'apps' && r.resource === 'deployments');
    assert.equal(deploy?.kind, 'Deployment');
    assert.deepEqual(deploy?.subresources, ['scale', 'status']);
    const hpas = p.resources.filter((r) => r.resource === 'horizontalpodautoscalers');
    assert.deepEqual(hpas.map((r) => [r.version, r.preferred]), [['v2', true], ['v1', false]]);
  });

  it('parseAggregated: Stale versions are failures, not served, and never preferred', () => {
    const p = parseAggregated([AGG_CORE, AGG_GROUPS]);
    assert.deepEqual(p.failures.map((f) => f.groupVersion).sort(), ['custom.metrics.k8s.io/v1beta1', 'metrics.k8s.io/v1beta2']);
    assert.match(p.failures[0]!.message, /stale/);
    assert.deepEqual(p.groups.find((g) => g.name === 'metrics.k8s.io'), { name: 'metrics.k8s.io', versions: ['v1beta1'], preferredVersion: 'v1beta1' });
    assert.equal(p.groups.find((g) => g.name === 'custom.metrics.k8s.io'), undefined, 'a group with only stale versions is not served');
    const metrics = p.resources.filter((r) => r.group === 'metrics.k8s.io');
    assert.deepEqual(metrics.map((r) => `${r.resource}/${r.version}/${r.preferred}`), ['pods/v1beta1/true', 'nodes/v1beta1/true']);
  });

  it('parseLegacyGroupVersion: subresources fold into their parent; an empty singularName falls back to the kind', () => {
    const list = parseLegacyGroupVersion('', 'v1', true, LEGACY_CORE_V1);
    assert.deepEqual(list.map((r) => r.resource), ['pods', 'events', 'namespaces', 'bindings']);
    const pods = list[0]!;
    assert.deepEqual(pods.subresources, ['exec', 'log', 'status']);
    assert.equal(pods.kind, 'Pod', 'the exec subresource does not overwrite the kind');
    assert.deepEqual(pods.shortNames, ['po']);
    assert.equal(pods.preferred, true);
    assert.equal(list.find((r) => r.resource === 'bindings')?.singular, 'binding');
    assert.equal(list.find((r) => r.resource === 'namespaces')?.namespaced, false);

    const v1 = parseLegacyGroupVersion('autoscaling', 'v1', false, LEGACY_RESOURCES['/apis/autoscaling/v1']!);
    assert.deepEqual(v1.map((r) => [r.group, r.version, r.resource, r.preferred]), [['autoscaling', 'v1', 'horizontalpodautoscalers', false]]);
    assert.deepEqual(parseLegacyGroupVersion('x', 'v1', true, {}), []);
  });
});

describe('Discovery against a fake server', () => {
  it('uses aggregated discovery when the server offers it (two requests, the aggregated Accept header)', async (t) => {
    const s = await start(t, 'aggregated');
    const d = new Discovery(s.transport);
    await d.refresh();
    assert.equal(d.aggregated, true);
    assert.equal(s.server.requests.length, 2);
    for (const path of ['/api', '/apis']) {
      const accept = s.requests(path)[0]?.headers.accept ?? '';
      assert.ok(accept.includes('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), accept);
      assert.ok(accept.split(',').at(-1) === 'application/json', 'plain JSON remains acceptable as a fallback');
    }
    assert.equal(id(d.find('pods')), 'pods.v1.core');
    assert.equal(id(d.find('hpa')), 'horizontalpodautoscalers.v2.autoscaling');
    assert.equal(id(d.find('podmetrics')), 'pods.v1beta1.metrics.k8s.io', 'the stale version is not offered');
    assert.deepEqual(d.failures().map((f) => f.groupVersion).sort(), ['custom.metrics.k8s.io/v1beta1', 'metrics.k8s.io/v1beta2']);
  });

  it('falls back to legacy discovery when the server ignores the Accept header; one failing group version is listed, the rest discovered', async (t) => {
    const s = await start(t, 'legacy');
    const d = new Discovery(s.transport);
    await d.refresh();
    assert.equal(d.aggregated, false);
    assert.deepEqual(d.failures().map((f) => f.groupVersion), ['metrics.k8s.io/v1beta1']);
    assert.match(d.failures()[0]!.message, /unable to handle the request/);
    assert.equal(s.requests('/apis/metrics.k8s.io/v1beta1').length, 2, 'a GET answered 503 is retried (maxAttempts 2)');
    for (const path of Object.keys(LEGACY_RESOURCES)) assert.equal(s.requests(path).length, 1, `${path} fetched once`);
    assert.deepEqual(d.groups().map((g) => [g.name, g.preferredVersion]), [
      ['', 'v1'], ['apps', 'v1'], ['autoscaling', 'v2'], ['events.k8s.io', 'v1'], ['example.com', 'v2'], ['metrics.k8s.io', 'v1beta1'],
    ]);
    const pods = d.find('pods');
    assert.deepEqual(pods?.subresources, ['exec', 'log', 'status']);
    assert.equal(d.allResources().some((r) => r.resource.includes('/')), false, 'no subresource appears as a resource');
    assert.equal(d.forKind('apps', 'v1', 'Deployment')?.resource, 'deployments');
    assert.equal(d.forKind('apps', 'v1', 'Nope'), undefined);
  });

  it('find(): plural, singular, short name, kind, group- and version-qualified, case-insensitive, core preferred', async (t) => {
    const s = await start(t, 'legacy');
    const d = new Discovery(s.transport);
    await d.ensure();
    const cases: Array<[string, string | undefined]> = [
      ['pods', 'pods.v1.core'],
      ['pod', 'pods.v1.core'],
      ['po', 'pods.v1.core'],
      ['Pod', 'pods.v1.core'],
      ['  PODS ', 'pods.v1.core'],
      ['pods.v1', 'pods.v1.core'],
      ['deployments', 'deployments.v1.apps'],
      ['deploy', 'deployments.v1.apps'],
      ['Deployment', 'deployments.v1.apps'],
      ['deployments.apps', 'deployments.v1.apps'],
      ['deployments.v1.apps', 'deployments.v1.apps'],
      ['Deployments.V1.Apps', 'deployments.v1.apps'],
      ['deployment.apps', 'deployments.v1.apps'],
      ['events', 'events.v1.core'],
      ['ev', 'events.v1.core'],
      ['Event', 'events.v1.core'],
      ['events.events.k8s.io', 'events.v1.events.k8s.io'],
      ['hpa', 'horizontalpodautoscalers.v2.autoscaling'],
      ['horizontalpodautoscalers.autoscaling', 'horizontalpodautoscalers.v2.autoscaling'],
      ['horizontalpodautoscalers.v1.autoscaling', 'horizontalpodautoscalers.v1.autoscaling'],
      ['gadgets', 'gadgets.v1.example.com'],
      ['widgets.example.com', 'widgets.v2.example.com'],
      ['widgets.v1.example.com', 'widgets.v1.example.com'],
      ['deployments.v2.apps', undefined],
      ['deployments.extensions', undefined],
      ['podz', undefined],
      ['', undefined],
    ];
    for (const [query, expected] of cases) assert.equal(id(d.find(query)), expected, `find(${JSON.stringify(query)})`);
  });

  it('preferredResources(): one entry per group-resource in the preferred version, plus resources only a non-preferred version serves', async (t) => {
    for (const mode of ['legacy', 'aggregated'] as const) {
      const s = await start(t, mode);
      const d = new Discovery(s.transport);
      await d.ensure();
      const preferred = d.preferredResources();
      const keys = preferred.map((r) => `${r.resource}.${r.group}`);
      assert.equal(new Set(keys).size, keys.length, `${mode}: duplicates in ${keys.join(', ')}`);
      assert.equal(id(preferred.find((r) => r.resource === 'horizontalpodautoscalers')), 'horizontalpodautoscalers.v2.autoscaling');
      const events = preferred.filter((r) => r.resource === 'events').map(id).sort();
      assert.deepEqual(events, ['events.v1.core', 'events.v1.events.k8s.io']);
      if (mode === 'legacy') {
        assert.equal(id(preferred.find((r) => r.resource === 'widgets')), 'widgets.v2.example.com');
        assert.equal(id(preferred.find((r) => r.resource === 'gadgets')), 'gadgets.v1.example.com', 'served only by the non-preferred v1');
        assert.equal(preferred.filter((r) => r.group === 'metrics.k8s.io').length, 0, 'the failed group version contributes nothing');
      }
    }
  });

  it('preferredResources() ranks versions by the group even when the server lists the older version first', async (t) => {
    const s = await start(t, 'legacy');
    // The server's preferred version is v2, but it is listed second.
    s.groups.groups = [groupEntry('example.com', ['v1', 'v2'], 'v2')];
    const d = new Discovery(s.transport);
    await d.ensure();
    const widgets = d.preferredResources().filter((r) => r.resource === 'widgets');
    assert.equal(widgets.length, 1);
    assert.equal(widgets[0]?.version, 'v2');
    assert.equal(id(d.find('widgets')), 'widgets.v2.example.com');
    assert.equal(id(d.preferredResources().find((r) => r.resource === 'gadgets')), 'gadgets.v1.example.com');
  });

  it('resolve() refreshes once on a miss (a CRD just appeared) and throws NotFound for a typo', async (t) => {
    const s = await start(t, 'legacy');
    let clock = 1_000_000;
    const d = new Discovery(s.transport, { now: () => clock, missRefreshIntervalMs: 1000 });
    assert.equal(id(await d.resolve('deploy')), 'deployments.v1.apps');
    assert.equal(s.requests('/apis').length, 1);

    // A CRD group is created after the first discovery.
    s.groups.groups!.push(groupEntry('stable.example.com', ['v1']));
    s.resources['/apis/stable.example.com/v1'] = { groupVersion: 'stable.example.com/v1', resources: [res('crontabs', 'CronTab', true, 'crontab', { shortNames: ['ct'] })] };
    clock += 5_000;
    assert.equal(id(await d.resolve('ct')), 'crontabs.v1.stable.example.com');
    assert.equal(s.requests('/apis').length, 2, 'exactly one refresh');

    clock += 5_000;
    const err = await d.resolve('crontabz').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeApiError && isNotFound(err), String(err));
    assert.match(err.message, /crontabz/);
    assert.equal(s.requests('/apis').length, 3, 'one refresh for the miss, not more');

    // Within missRefreshIntervalMs of the last refresh, a miss does not refresh again.
    clock += 10;
    await assert.rejects(d.resolve('crontabz'), (e: unknown) => isNotFound(e));
    assert.equal(s.requests('/apis').length, 3);
  });

  it('concurrent refresh() calls share one fetch', async (t) => {
    const s = await start(t, 'aggregated', { delayMs: 20 });
    const d = new Discovery(s.transport);
    await Promise.all([d.refresh(), d.refresh(), d.ensure(), d.resolve('pods')]);
    assert.equal(s.requests('/api').length, 1);
    assert.equal(s.requests('/apis').length, 1);
    await d.refresh();
    assert.equal(s.requests('/apis').length, 2, 'a later refresh fetches again');
  });

  it('a caller that aborts stops waiting at once; the shared read carries on for the others', async (t) => {
    const s = await start(t, 'aggregated', { delayMs: 50 });
    const d = new Discovery(s.transport);
    const ac = new AbortController();
    const abandoned = d.refresh(ac.signal);
    const other = d.refresh();
    ac.abort(new Error('cancelled'));
    await assert.rejects(abandoned, /cancelled/);
    await other;
    assert.ok(d.find('deployments'), 'the read completed for the caller that stayed');
    assert.equal(s.requests('/apis').length, 1);
  });

  it('a refresh always reads after it was asked for: callers during a read share one more read', async (t) => {
    const s = await start(t, 'aggregated', { delayMs: 30 });
    const d = new Discovery(s.transport);
    const first = d.refresh();
    await new Promise((r) => setTimeout(r, 10)); // the first read is now in flight
    const second = d.refresh();
    const third = d.refresh();
    assert.equal(second, third, 'callers waiting for the next read share it');
    await Promise.all([first, second, third]);
    assert.equal(s.requests('/apis').length, 2, 'one read in flight, one more after it, not three');
  });

  it('serverVersion() reads /version', async (t) => {
    const s = await start(t, 'legacy');
    s.server.on('GET', '/version', (_req, r) => sendJson(r, 200, { major: '1', minor: '31', gitVersion: 'v1.31.2' }));
    const v = await new Discovery(s.transport).serverVersion();
    assert.equal(v.gitVersion, 'v1.31.2');
  });
});
