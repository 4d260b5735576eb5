/** Unit tests for kube/errors: KubeApiError construction, Retry-After parsing and the error predicates. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KubeApiError, KubeTransportError, isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound,
  isResourceExpired, isTooManyRequests, isTransient, parseRetryAfter,
} from './errors.ts';

const api = (code: number, reason?: string): KubeApiError =>
  KubeApiError.fromResponse('GET', '/p', code, JSON.stringify({ kind: 'Status', code, ...(reason ? { reason } : {}) }));

describe('KubeApiError', () => {
  it('falls back to the reason Kubernetes uses for the code when the body has none', () => {
    const e = KubeApiError.fromResponse('DELETE', '/api/v1/namespaces/x', 404, '');
    assert.equal(e.reason, 'NotFound');
    assert.equal(e.message, 'the server responded with HTTP 404 (NotFound, DELETE /api/v1/namespaces/x)');
    assert.equal(KubeApiError.fromResponse('GET', '/p', 599, '').reason, 'InternalError');
    assert.equal(KubeApiError.fromResponse('GET', '/p', 418, '').reason, 'Unknown');
  });

  it('ignores JSON that is not a Status, and takes retryAfterSeconds from the header or the Status details', () => {
    const e = KubeApiError.fromResponse('GET', '/p', 500, '{"kind":"Pod","message":"not a status"}');
    assert.equal(e.status.kind, undefined);
    assert.equal(KubeApiError.fromResponse('GET', '/p', 429, '', '7').retryAfterSeconds, 7);
    const fromDetails = KubeApiError.fromResponse('GET', '/p', 503, JSON.stringify({ kind: 'Status', details: { retryAfterSeconds: 3 } }));
    assert.equal(fromDetails.retryAfterSeconds, 3);
  });

  it('fromStatus builds a watch ERROR', () => {
    const e = KubeApiError.fromStatus('WATCH', '/p', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    assert.equal(e.code, 410);
    assert.ok(isResourceExpired(e));
    assert.equal(KubeApiError.fromStatus('WATCH', '/p', {}).code, 500);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and rejects garbage', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter('12'), 12);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('predicates', () => {
  it('classify API errors by code and reason', () => {
    assert.ok(isNotFound(api(404)));
    assert.ok(isAlreadyExists(api(409, 'AlreadyExists')));
    assert.ok(!isConflict(api(409, 'AlreadyExists')));
    assert.ok(isConflict(api(409, 'Conflict')));
    assert.ok(!isAlreadyExists(api(409, 'Conflict')));
    assert.ok(isResourceExpired(api(410)));
    assert.ok(isResourceExpired(api(500, 'Expired')));
    assert.ok(isForbidden(api(403)));
    assert.ok(isInvalid(api(422)));
    assert.ok(isTooManyRequests(api(429)));
    for (const f of [isNotFound, isConflict, isResourceExpired, isTransient]) assert.equal(f(new Error('plain')), false);
  });

  it('isTransient: throttling, 5xx, network and timeouts; not 4xx, TLS or bad responses', () => {
    assert.ok(isTransient(api(429)));
    assert.ok(isTransient(api(503)));
    assert.ok(!isTransient(api(404)));
    assert.ok(isTransient(new KubeTransportError('Network', 'GET', '/p', 'x')));
    assert.ok(isTransient(new KubeTransportError('Timeout', 'GET', '/p', 'x')));
    assert.ok(!isTransient(new KubeTransportError('TLS', 'GET', '/p', 'x')));
    assert.ok(!isTransient(new KubeTransportError('InvalidResponse', 'GET', '/p', 'x')));
  });
});

it('parseRetryAfter accepts seconds and HTTP dates only', () => {
  assert.equal(parseRetryAfter('3'), 3);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter('-5'), undefined);
  assert.equal(parseRetryAfter('1.5'), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', now), 10);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
});
