/** @module local-cluster/errors: failures of the local control plane, with the hint and log tail a user needs. */
import { readFile } from 'node:fs/promises';

export type ClusterErrorReason = 'NoGo' | 'BuildFailed' | 'MissingBinary' | 'StartFailed' | 'NotReady' | 'NotRunning' | 'Locked';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly reason: ClusterErrorReason;
  readonly component: string | undefined;
  readonly logFile: string | undefined;

  constructor(reason: ClusterErrorReason, message: string, opts: { component?: string; logFile?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.reason = reason;
    this.component = opts.component;
    this.logFile = opts.logFile;
  }
}

/** The last `lines` lines of a log file, or a note that there is none. */
export async function logTail(file: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    const all = text.trimEnd().split('\n');
    return all.slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log written)';
  }
}
