/** Unit tests for kube/exec's exitCodeOf: how the error channel's Status becomes an exit code or an ExecError. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExecError, exitCodeOf } from './exec.ts';

const POD = { namespace: 'velero', pod: 'node-agent-x' };
const parts = (text: string, splitAt?: number): Buffer[] => {
  const b = Buffer.from(text);
  return splitAt === undefined ? [b] : [b.subarray(0, splitAt), b.subarray(splitAt)];
};

function execError(text: string): ExecError {
  try {
    exitCodeOf(parts(text), POD);
  } catch (err) {
    assert.ok(err instanceof ExecError, String(err));
    return err;
  }
  assert.fail(`expected an ExecError for ${JSON.stringify(text)}`);
}

describe('exitCodeOf', () => {
  it('Success → 0', () => {
    assert.equal(exitCodeOf(parts('{"metadata":{},"status":"Success"}'), POD), 0);
  });

  it('NonZeroExitCode with an ExitCode cause → that number, even when the status arrives in pieces', () => {
    const status = JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 42], exit code 42',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '42' }] },
    });
    assert.equal(exitCodeOf(parts(status), POD), 42);
    assert.equal(exitCodeOf(parts(status, 17), POD), 42);
  });

  it('kwok-style Failure message "... exit status 3" → 3', () => {
    const status = JSON.stringify({ metadata: {}, status: 'Failure', message: 'exec failed: exit status 3' });
    assert.equal(exitCodeOf(parts(status), POD), 3);
  });

  it('an empty error channel is a StreamError (the outcome is unknown)', () => {
    assert.equal(execError('').reason, 'StreamError');
    assert.equal(execError('  \n').reason, 'StreamError');
  });

  it('other failures are ExecError Failure, with the server message', () => {
    const notFound = execError(JSON.stringify({ status: 'Failure', message: 'container "nope" not found in pod "node-agent-x"', reason: 'BadRequest' }));
    assert.equal(notFound.reason, 'Failure');
    assert.match(notFound.message, /container "nope" not found/);
    assert.match(notFound.message, /velero\/node-agent-x/);

    const noCode = execError(JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: 'not-a-number' }] } }));
    assert.equal(noCode.reason, 'Failure');

    const notJson = execError('<html>proxy error</html>');
    assert.equal(notJson.reason, 'Failure');
    assert.match(notJson.message, /proxy error/);
  });
});
