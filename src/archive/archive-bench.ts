/** @module archive/archive-bench: `node src/archive/archive-bench.ts [count]` times Go-JSON encoding, packing and reading. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { encodeGoJson } from '../util/go-json.ts';
import { readBackupArchive } from './reader.ts';
import { createBackupArchive, type ArchiveItem } from './writer.ts';

const COUNT = Number(process.argv[2] ?? 20_000);
const RUNS = 5;

/** A ~1 KB ConfigMap as the API server returns it; uid and one data value are random, as in real clusters. */
function configMap(i: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `cm-${i}`, namespace: `ns-${i % 50}`, uid: randomUUID(), resourceVersion: String(100_000 + i),
      creationTimestamp: '2026-11-21T20:20:32Z', labels: { app: 'bench', tier: 'backend', 'app.kubernetes.io/name': 'bench' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"ConfigMap"}' },
      managedFields: [{ apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:config.yaml': {}, 'f:key': {} } }, manager: 'kubectl', operation: 'Update', time: '2026-11-21T20:20:32Z' }],
    },
    data: { 'config.yaml': `server:\n  port: ${8000 + (i % 100)}\n  host: 0.0.0.0\nlogging:\n  level: info\n`, key: randomBytes(150).toString('base64') },
  };
}

/** Best and median of RUNS timings (ms); machines are shared, so the best is the least disturbed. */
async function time(fn: () => Promise<unknown> | unknown): Promise<{ best: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(RUNS / 2)]! };
}

const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;

async function pack(items: readonly ArchiveItem[], gzipLevel: number): Promise<{ gz: Buffer; tarBytes: number }> {
  const archive = createBackupArchive({ gzipLevel });
  const chunks: Buffer[] = [];
  archive.output.on('data', (chunk: Buffer) => chunks.push(chunk));
  for (const item of items) await archive.addItem(item);
  const summary = await archive.finish();
  return { gz: Buffer.concat(chunks), tarBytes: summary.uncompressedBytes };
}

const objects = Array.from({ length: COUNT }, (_, i) => JSON.parse(JSON.stringify(configMap(i))) as Record<string, unknown>);
const jsonBytes = objects.reduce((sum, o) => sum + JSON.stringify(o).length, 0);
console.log(`${COUNT} ConfigMaps, ${(jsonBytes / COUNT).toFixed(0)} bytes of JSON each; Node ${process.versions.node}; best (median) of ${RUNS}`);

const stringify = await time(() => objects.forEach((o) => JSON.stringify(o)));
const goJson = await time(() => objects.forEach((o) => encodeGoJson(o)));
console.log(`JSON.stringify   ${stringify.best.toFixed(0)} ms (${stringify.median.toFixed(0)})  ${rate(COUNT, stringify.best)} objects`);
console.log(`encodeGoJson     ${goJson.best.toFixed(0)} ms (${goJson.median.toFixed(0)})  ${rate(COUNT, goJson.best)} objects`);

const items: ArchiveItem[] = objects.map((object) => {
  const meta = object['metadata'] as { name: string; namespace: string };
  return { groupResource: 'configmaps', namespace: meta.namespace, name: meta.name, version: 'v1', preferred: true, object };
});
for (const level of [1, 6]) {
  let result: { gz: Buffer; tarBytes: number } = { gz: Buffer.alloc(0), tarBytes: 0 };
  const packed = await time(async () => (result = await pack(items, level)));
  const mb = result.tarBytes / 1e6;
  console.log(
    `pack, gzip ${level}    ${packed.best.toFixed(0)} ms (${packed.median.toFixed(0)})  ${rate(COUNT, packed.best)} objects, ` +
      `${((mb / packed.best) * 1000).toFixed(0)} MB/s of tar; ${mb.toFixed(1)} MB tar → ${(result.gz.length / 1e6).toFixed(2)} MB (${(result.tarBytes / result.gz.length).toFixed(1)}:1)`,
  );
  const read = await time(async () => {
    for await (const entry of readBackupArchive(Readable.from([result.gz]))) void entry;
  });
  console.log(`read, gzip ${level}    ${read.best.toFixed(0)} ms (${read.median.toFixed(0)})  ${rate(COUNT, read.best)} objects (${rate(2 * COUNT, read.best)} entries, each parsed)`);
}
