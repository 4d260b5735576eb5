/** @module cli/prompt.test — the password reader (typed-ahead lines, editing, failures) and when a terminal is there to ask on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ExitError } from './errors.ts';
import { askNewPassword, terminalInput, withSecretReader, type SecretInput } from './prompt.ts';
import { testContext } from './testing.ts';

/** A fake terminal: `raw` says whether it offers setRawMode (a real TTY does). */
function fakeTerminal(raw: boolean): SecretInput & { type(text: string): void; end(): void; modes: boolean[] } {
  const ee = new EventEmitter();
  const modes: boolean[] = [];
  return Object.assign(ee, {
    isTTY: true,
    modes,
    type: (text: string) => void ee.emit('data', text),
    end: () => void ee.emit('end'),
    ...(raw ? { setRawMode: (m: boolean) => void modes.push(m) } : {}),
  }) as never;
}

test('two answers typed ahead in one chunk are both read; raw mode on, then off', async () => {
  const ctx = testContext();
  const input = fakeTerminal(true);
  const pw = await withSecretReader(ctx, input, async (r) => {
    setImmediate(() => input.type('s3cret\rs3cret\r'));
    return askNewPassword(r, 'the new password');
  });
  assert.equal(pw, 's3cret');
  assert.deepEqual(input.modes, [true, false]);
  assert.equal(ctx.stderr.text, 'Enter the new password: \nEnter the new password again: \n');
  assert.equal(ctx.stdout.text, '');
});

test('backspace edits, CRLF is one line end', async () => {
  const input = fakeTerminal(false);
  const answer = withSecretReader(testContext(), input, (r) => r.ask('? '));
  input.type('pax\u007fs');
  input.type('s\r\n');
  assert.equal(await answer, 'pass');
});

test('mismatch, empty, Ctrl-C and end of input fail with exit 1', async () => {
  const cases: Array<[string, RegExp]> = [
    ['a\nb\n', /do not match/],
    ['\n', /empty/],
    ['\u0003', /interrupted/],
  ];
  for (const [typed, re] of cases) {
    const input = fakeTerminal(false);
    const p = withSecretReader(testContext(), input, (r) => askNewPassword(r, 'pw'));
    input.type(typed);
    await assert.rejects(p, (err: unknown) => err instanceof ExitError && err.exitCode === 1 && re.test(err.message));
  }
  const input = fakeTerminal(false);
  const p = withSecretReader(testContext(), input, (r) => r.ask('? '));
  input.end();
  await assert.rejects(p, /no password was entered/);
});

test('a terminal to ask on only when the input is a TTY', () => {
  const tty = fakeTerminal(false);
  assert.equal(terminalInput(Object.assign(testContext(), { stdin: tty })), tty);
  const pipe = Object.assign(new EventEmitter(), { isTTY: false });
  assert.equal(terminalInput(Object.assign(testContext(), { stdin: pipe })), undefined);
  // Output captured (not the process's terminal) and no stdin given: nobody to ask.
  assert.equal(terminalInput(testContext()), undefined);
});
