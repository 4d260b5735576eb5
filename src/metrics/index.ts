/** @module metrics: Prometheus metrics — a small registry, the text exposition, Velero's server families and the `/metrics` endpoint. */
export { Registry, type Counter, type Gauge, type Histogram, type Labels } from './registry.ts';
export { EXPOSITION_CONTENT_TYPE } from './exposition.ts';
export { ServerMetrics, BACKUP_DURATION_BUCKETS } from './server-metrics.ts';
export { parseMetricsAddress, serveMetrics, type ListenAddress, type MetricsEndpoint } from './http.ts';
