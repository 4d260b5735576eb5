/**
 * @module metrics/process: the standard process metrics (client_golang's names, which dashboards built
 * for Velero expect) and Node's heap, read at scrape time — each costs a syscall or two, nothing between
 * scrapes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Registry } from './registry.ts';

/** Registers the process families on `registry` and keeps them current on every scrape. */
export function registerProcessMetrics(registry: Registry): void {
  const cpu = registry.counter({ name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.' });
  const rss = registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.' });
  const start = registry.gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.' });
  const heapTotal = registry.gauge({ name: 'nodejs_heap_size_total_bytes', help: 'V8 heap size, in bytes.' });
  const heapUsed = registry.gauge({ name: 'nodejs_heap_size_used_bytes', help: 'V8 heap in use, in bytes.' });
  const external = registry.gauge({ name: 'nodejs_external_memory_bytes', help: 'Memory of C++ objects bound to JavaScript objects, in bytes.' });
  const version = registry.gauge({ name: 'nodejs_version_info', help: 'The Node.js version, as labels.', labelNames: ['version', 'major', 'minor', 'patch'] });
  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  version.set({ version: process.version, major, minor, patch }, 1);
  start.set({}, Math.round((Date.now() - process.uptime() * 1000) / 1000));
  const linux = process.platform === 'linux';
  const openFds = linux ? registry.gauge({ name: 'process_open_fds', help: 'Number of open file descriptors.' }) : undefined;
  const maxFds = linux ? registry.gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.' }) : undefined;
  let cpuSeen = 0;
  registry.onCollect(() => {
    const usage = process.cpuUsage();
    const seconds = (usage.user + usage.system) / 1e6;
    cpu.inc({}, Math.max(0, seconds - cpuSeen));
    cpuSeen = Math.max(cpuSeen, seconds);
    const mem = process.memoryUsage();
    rss.set({}, mem.rss);
    heapTotal.set({}, mem.heapTotal);
    heapUsed.set({}, mem.heapUsed);
    external.set({}, mem.external);
    if (openFds) readFds(openFds, maxFds);
  });
}

function readFds(open: { set(l: object, v: number): void }, max: { set(l: object, v: number): void } | undefined): void {
  try {
    open.set({}, readdirSync('/proc/self/fd').length);
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    if (limit && max) max.set({}, Number(limit));
  } catch {
    // /proc unreadable (a hardened container): leave the last values.
  }
}
