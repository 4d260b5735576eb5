/** @module metrics/http.test — `--metrics-address` parsing and the `/metrics` endpoint on loopback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetricsAddress, serveMetrics } from './http.ts';
import { Registry } from './registry.ts';
import { EXPOSITION_CONTENT_TYPE } from './exposition.ts';

test('addresses are read as Go reads host:port', () => {
  assert.deepEqual(parseMetricsAddress(':8085'), { host: undefined, port: 8085 });
  assert.deepEqual(parseMetricsAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseMetricsAddress('localhost:9090'), { host: 'localhost', port: 9090 });
  assert.deepEqual(parseMetricsAddress('[::1]:8085'), { host: '::1', port: 8085 });
  assert.deepEqual(parseMetricsAddress('[::]:1'), { host: '::', port: 1 });
  assert.equal(parseMetricsAddress(''), undefined);
});

test('a bad address is an error naming the flag', () => {
  assert.throws(() => parseMetricsAddress('8085'), /^Error: --metrics-address: "8085" has no port \(examples: :8085, 127\.0\.0\.1:8085, \[::1\]:8085; empty disables metrics\)$/);
  assert.throws(() => parseMetricsAddress(':http'), /"\:http" has no valid port/);
  assert.throws(() => parseMetricsAddress(':65536'), /has no valid port/);
  assert.throws(() => parseMetricsAddress('::1:80'), /too many colons/);
  assert.throws(() => parseMetricsAddress('[::1:80'), /unclosed \[/);
});

test('GET /metrics serves the registry; other paths are 404; a busy port is named', async (t) => {
  const r = new Registry();
  r.gauge({ name: 'up', help: 'Up.' }).set({}, 1);
  const ep = await serveMetrics(r, { host: '127.0.0.1', port: 0 });
  t.after(() => ep.close());
  assert.match(ep.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const res = await fetch(ep.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), EXPOSITION_CONTENT_TYPE);
  assert.equal(await res.text(), '# HELP up Up.\n# TYPE up gauge\nup 1\n');
  const other = await fetch(ep.url.replace('/metrics', '/'));
  assert.equal(other.status, 404);
  await other.text();
  const post = await fetch(ep.url, { method: 'POST' });
  assert.equal(post.status, 405);
  await post.text();
  await assert.rejects(serveMetrics(r, { host: '127.0.0.1', port: ep.port }), new RegExp(`^Error: --metrics-address: 127\\.0\\.0\\.1:${ep.port} is already in use$`));
});

test('close() returns even with a keep-alive connection open', async () => {
  const ep = await serveMetrics(new Registry(), { host: '127.0.0.1', port: 0 });
  const res = await fetch(ep.url, { headers: { connection: 'keep-alive' } });
  await res.text();
  await ep.close();
  await assert.rejects(fetch(ep.url));
});
