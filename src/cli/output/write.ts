/** @module cli/output/write — writing long output without outrunning a slow reader. */
import type { OutputStream } from '../context.ts';

/** Writes to a CLI stream, waiting for 'drain' when a real stream asks us to slow down. */
export async function writeChunk(out: OutputStream, chunk: string): Promise<void> {
  const ok = out.write(chunk);
  const emitter = out as OutputStream & { once?: (event: string, fn: () => void) => unknown };
  if (ok === false && typeof emitter.once === 'function') await new Promise<void>((resolve) => emitter.once?.('drain', resolve));
}
