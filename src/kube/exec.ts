/** @module kube/exec: run a command in a pod's container over the websocket channel protocol. */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Transport } from './transport.ts';
import type { Status } from './types.ts';
import { KubeApiError } from './errors.ts';
import { resourcePath } from './paths.ts';
import { Resources } from './well-known.ts';

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string | undefined;
  command: string[];
  /** Sent to the command's stdin, which is then closed (needs the v5 protocol). */
  stdin?: string | Buffer | undefined;
  /** Gives up (and closes the stream) after this long. Default 60 s. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Output beyond this many bytes per stream is dropped and the result marked truncated. Default 16 MiB. */
  maxOutputBytes?: number | undefined;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
  truncated: boolean;
}

export type ExecErrorReason = 'Timeout' | 'Aborted' | 'StreamError' | 'Failure';

/** The command could not be run or its outcome is unknown (a non-zero exit is a result, not an error). */
export class ExecError extends Error {
  override readonly name = 'ExecError';
  readonly reason: ExecErrorReason;
  constructor(reason: ExecErrorReason, message: string, cause?: unknown) {
    super(message, { cause });
    this.reason = reason;
  }
}

/** v5 adds a close signal for stdin; v4 is the fallback every supported server speaks. */
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/** Runs the command and resolves with its output and exit code once the server closes the stream. */
export async function execInPod(transport: Transport, opts: ExecOptions): Promise<ExecResult> {
  const path = resourcePath(Resources.pods, { namespace: opts.namespace, name: opts.pod, subresource: 'exec' });
  const url = transport
    .url(path, {
      command: opts.command,
      container: opts.container,
      stdin: opts.stdin !== undefined ? 'true' : undefined,
      stdout: 'true',
      stderr: 'true',
    })
    .replace(/^http/, 'ws');
  const ws = new WebSocket(url, PROTOCOLS, {
    headers: { ...(await transport.authHeaders()), 'user-agent': transport.userAgent },
    ...(await transport.tlsOptions()),
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
  });
  return collect(ws, path, opts);
}

function collect(ws: WebSocket, path: string, opts: ExecOptions): Promise<ExecResult> {
  const limit = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], sizes: [0, 0], truncated: false };
  const statusParts: Buffer[] = [];
  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (err: Error): void => finish(() => {
      ws.terminate();
      reject(err);
    });
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => fail(new ExecError('Timeout', `exec in pod ${opts.namespace}/${opts.pod} timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => fail(new ExecError('Aborted', `exec in pod ${opts.namespace}/${opts.pod} was aborted`, opts.signal?.reason));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      // The upgrade was refused: read the server's Status so the caller learns why (pod not found, forbidden…).
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => fail(KubeApiError.fromResponse('GET', path, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', (err) => fail(new ExecError('StreamError', `exec upgrade failed: ${err.message}`, err)));
    });
    ws.on('open', () => {
      if (opts.stdin === undefined) return;
      const data = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin;
      for (let off = 0; off < data.length; off += 32 * 1024) {
        ws.send(Buffer.concat([Buffer.from([STDIN]), data.subarray(off, off + 32 * 1024)]));
      }
      if (ws.protocol === PROTOCOLS[0]) ws.send(Buffer.from([CLOSE, STDIN]));
    });
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === STDOUT || channel === STDERR) {
        const i = channel - 1;
        const room = limit - out.sizes[i]!;
        if (payload.length > room) out.truncated = true;
        const kept = payload.length > room ? payload.subarray(0, Math.max(0, room)) : payload;
        out.sizes[i]! += kept.length;
        (channel === STDOUT ? out.stdout : out.stderr).push(kept);
      } else if (channel === ERROR) {
        statusParts.push(payload);
      }
    });
    ws.on('error', (err) => fail(new ExecError('StreamError', `exec stream to pod ${opts.namespace}/${opts.pod} failed: ${err.message}`, err)));
    ws.on('close', () => {
      if (settled) return;
      try {
        const exitCode = exitCodeOf(statusParts, opts);
        finish(() => resolve({ stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr), exitCode, truncated: out.truncated }));
      } catch (err) {
        fail(err as Error);
      }
    });
  });
}

/**
 * The error channel carries a Status: Success, or NonZeroExitCode with an ExitCode cause (a real
 * kubelet). kwok instead reports "…exit status N" in a plain Failure message; both are accepted.
 */
export function exitCodeOf(parts: Buffer[], opts: Pick<ExecOptions, 'namespace' | 'pod'>): number {
  const text = Buffer.concat(parts).toString('utf8').trim();
  if (text === '') throw new ExecError('StreamError', `exec in pod ${opts.namespace}/${opts.pod} ended without reporting a status`);
  let status: Status;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    throw new ExecError('Failure', `exec in pod ${opts.namespace}/${opts.pod} failed: ${text.slice(0, 300)}`);
  }
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message && /^\d+$/.test(cause.message)) return Number(cause.message);
  const kwok = /exit status (\d+)/.exec(status.message ?? '');
  if (kwok) return Number(kwok[1]);
  throw new ExecError('Failure', `exec in pod ${opts.namespace}/${opts.pod} failed: ${status.message ?? status.reason ?? 'unknown error'}`);
}
