/**
 * Which API version a restore reads (EnableAPIGroupVersions): the `enableapigroupversions` ConfigMap
 * format, Kubernetes version priority, and Velero's priorities 0–3 with the source-preferred fallback
 * (velero-behaviour.md §2.6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRestoreVersion, compareKubeVersions, parseVersionPriorities, sortKubeVersions, type VersionChoiceInput } from './versions.ts';

const choose = (input: Partial<VersionChoiceInput> & Pick<VersionChoiceInput, 'backupVersionDirs'>) =>
  chooseRestoreVersion({ groupResource: 'rockbands.music.example.io', targetVersions: [], ...input });

test('parseVersionPriorities: one resource.group=versions line each, in the user order', () => {
  const p = parseVersionPriorities('rockbands.music.example.io=v2beta1,v2beta2\norchestras.music.example.io=v2,v3alpha1\nsubscriptions.operators.coreos.com=v2,v1');
  assert.deepEqual([...p.entries()], [
    ['rockbands.music.example.io', ['v2beta1', 'v2beta2']],
    ['orchestras.music.example.io', ['v2', 'v3alpha1']],
    ['subscriptions.operators.coreos.com', ['v2', 'v1']],
  ]);
});

test('parseVersionPriorities: spaces (and tabs, CR of CRLF files) are dropped; blank lines skipped', () => {
  const p = parseVersionPriorities('  rockbands.music.example.io = v2 , v1 \r\n\n\t\norchestras.music.example.io=\tv3\r\n');
  assert.deepEqual(p.get('rockbands.music.example.io'), ['v2', 'v1']);
  assert.deepEqual(p.get('orchestras.music.example.io'), ['v3']);
  assert.equal(p.size, 2);
});

test('parseVersionPriorities: lines without exactly one "=" or with an empty side are ignored', () => {
  const p = parseVersionPriorities('no-equals-sign\na=b=c\n=v1\nempty=\nok.example.io=v1');
  assert.deepEqual([...p.keys()], ['ok.example.io']);
});

test('parseVersionPriorities: empty list entries are dropped; a later line for a resource replaces an earlier one', () => {
  const p = parseVersionPriorities('x.example.io=v2,,v1,\nx.example.io=v3');
  assert.deepEqual(p.get('x.example.io'), ['v3']);
  assert.deepEqual(parseVersionPriorities('y.example.io=,v1,').get('y.example.io'), ['v1']);
  assert.equal(parseVersionPriorities('').size, 0);
});

test('sortKubeVersions: GA before beta before alpha, then higher major, then higher minor; others last, alphabetically', () => {
  // The ordering apimachinery documents for CompareKubeAwareVersionStrings.
  const expected = ['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10'];
  const shuffled = ['foo10', 'v3beta1', 'v1', 'v11alpha2', 'foo1', 'v10', 'v12alpha1', 'v2', 'v10beta3', 'v11beta2'];
  assert.deepEqual(sortKubeVersions(shuffled), expected);
  assert.deepEqual(sortKubeVersions([...expected].reverse()), expected);
});

test('sortKubeVersions returns a new array and leaves its input alone', () => {
  const input = ['v1', 'v2'];
  const out = sortKubeVersions(input);
  assert.deepEqual(out, ['v2', 'v1']);
  assert.deepEqual(input, ['v1', 'v2']);
  assert.notEqual(out, input);
});

test('compareKubeVersions: sign says which version has priority; equal strings compare 0', () => {
  assert.equal(compareKubeVersions('v1', 'v1'), 0);
  assert.ok(compareKubeVersions('v1', 'v1beta1') > 0);
  assert.ok(compareKubeVersions('v1beta1', 'v1') < 0);
  assert.ok(compareKubeVersions('v1beta2', 'v1beta1') > 0);
  assert.ok(compareKubeVersions('v2alpha1', 'v1beta1') < 0, 'stability outranks the major version');
  assert.ok(compareKubeVersions('v1alpha1', 'zeta') > 0, 'a kube-like version outranks any other string');
  assert.ok(compareKubeVersions('alpha', 'beta') > 0, 'other strings: alphabetically earlier is higher');
  // Leading zeros parse as numbers (as Go's Atoi does): same priority, though the strings differ.
  assert.equal(compareKubeVersions('v01', 'v1'), 0);
});

test('compareKubeVersions: not kube-like: no "v", uppercase, missing minor, trailing text, numbers Go cannot hold', () => {
  for (const other of ['1', 'V1', 'v1beta', 'v1gamma1', 'v1-beta1', 'v', 'v99999999999999999999']) {
    assert.ok(compareKubeVersions('v1alpha1', other) > 0, `${other} ranks below every kube-like version`);
  }
  // 2^63-1 still fits Go's int: kube-like.
  assert.ok(compareKubeVersions('v9223372036854775807', 'v2') > 0);
  assert.ok(compareKubeVersions('v9223372036854775808', 'v1alpha1') < 0);
});

test('the target cluster does not serve the group: the source preferred version, from its -preferredversion dir', () => {
  const c = choose({ backupVersionDirs: ['v1', 'v2beta1-preferredversion'], targetVersions: [], userPriorities: ['v1'] });
  assert.deepEqual([c.version, c.versionDir], ['v2beta1', 'v2beta1-preferredversion']);
  assert.match(c.reason, /does not serve API group music\.example\.io/);
  const core = chooseRestoreVersion({ groupResource: 'pods', backupVersionDirs: ['v1-preferredversion'], targetVersions: [] });
  assert.match(core.reason, /API group core/);
});

test('priority 0: the first user version both sides have wins over every other rule', () => {
  const c = choose({
    backupVersionDirs: ['v1-preferredversion', 'v2beta2', 'v2beta1'],
    targetVersions: ['v1', 'v2beta1', 'v2beta2'],
    targetPreferred: 'v1',
    userPriorities: ['v3', 'v2beta1', 'v2beta2'],
  });
  assert.deepEqual([c.version, c.versionDir], ['v2beta1', 'v2beta1']);
  assert.match(c.reason, /^priority 0/);
});

test('priority 0: a user version that is the source preferred one is read from the -preferredversion dir', () => {
  const c = choose({ backupVersionDirs: ['v1-preferredversion', 'v2'], targetVersions: ['v1', 'v2'], targetPreferred: 'v2', userPriorities: ['v1'] });
  assert.deepEqual([c.version, c.versionDir], ['v1', 'v1-preferredversion']);
});

test('priority 0 is skipped when no user version is in both the backup and the target', () => {
  const c = choose({
    backupVersionDirs: ['v1-preferredversion', 'v2beta1'],
    targetVersions: ['v1', 'v3'],
    targetPreferred: 'v1',
    // v3: target only; v2beta1: backup only.
    userPriorities: ['v3', 'v2beta1'],
  });
  assert.match(c.reason, /^priority 1/);
  assert.equal(c.version, 'v1');
});

test('priority 1: the target preferred version when the backup has it (plain dir unless it is also the source preferred)', () => {
  const plain = choose({ backupVersionDirs: ['v1-preferredversion', 'v2'], targetVersions: ['v1', 'v2'], targetPreferred: 'v2' });
  assert.deepEqual([plain.version, plain.versionDir], ['v2', 'v2']);
  assert.match(plain.reason, /^priority 1/);
  const same = choose({ backupVersionDirs: ['v2-preferredversion', 'v1'], targetVersions: ['v2', 'v1'], targetPreferred: 'v2' });
  assert.deepEqual([same.version, same.versionDir], ['v2', 'v2-preferredversion']);
  assert.match(same.reason, /^priority 1/);
});

test('priority 2: the source preferred version when the target serves it but prefers one the backup lacks', () => {
  const c = choose({ backupVersionDirs: ['v1beta1-preferredversion', 'v1alpha1'], targetVersions: ['v1', 'v1beta1', 'v1alpha1'], targetPreferred: 'v1' });
  assert.deepEqual([c.version, c.versionDir], ['v1beta1', 'v1beta1-preferredversion']);
  assert.match(c.reason, /^priority 2/);
});

test('priority 3: the highest-priority version both sides have, walking the target list in priority order', () => {
  // Target prefers v3 (not backed up); the source prefers v2 (not served). v1 and v1beta1 are common.
  const c = choose({
    backupVersionDirs: ['v1beta1', 'v2-preferredversion', 'v1'],
    targetVersions: ['v1beta1', 'v3', 'v1'],
    targetPreferred: 'v3',
  });
  assert.deepEqual([c.version, c.versionDir], ['v1', 'v1']);
  assert.match(c.reason, /^priority 3/);
});

test('priority 3 also considers the top version of each list (documented departure from Velero)', () => {
  // Source preferred v1beta1, source also has v1 (its highest); the target serves v2 (preferred) and v1.
  // Velero skips both lists' first entries here and falls back to v1beta1, which the target does not serve.
  const c = choose({ backupVersionDirs: ['v1beta1-preferredversion', 'v1'], targetVersions: ['v2', 'v1'], targetPreferred: 'v2' });
  assert.deepEqual([c.version, c.versionDir], ['v1', 'v1']);
});

test('no version in common: the source preferred version (the behaviour without the feature)', () => {
  const c = choose({ backupVersionDirs: ['v1-preferredversion', 'v1beta1'], targetVersions: ['v2', 'v3'], targetPreferred: 'v3', userPriorities: ['v2'] });
  assert.deepEqual([c.version, c.versionDir], ['v1', 'v1-preferredversion']);
  assert.match(c.reason, /no version in common/);
});

test('a backup without a -preferredversion dir: its highest-priority version stands in for the preferred one', () => {
  const fallback = choose({ backupVersionDirs: ['v1beta1', 'v1'], targetVersions: ['v2'], targetPreferred: 'v2' });
  assert.deepEqual([fallback.version, fallback.versionDir], ['v1', 'v1']);
  const common = choose({ backupVersionDirs: ['v1beta1', 'v1'], targetVersions: ['v1beta1'], targetPreferred: 'v1beta1' });
  assert.deepEqual([common.version, common.versionDir], ['v1beta1', 'v1beta1']);
});

test('a version backed up both plain and as preferred counts once; legacy scope dirs are not versions', () => {
  const c = choose({ backupVersionDirs: ['namespaces', 'cluster', 'v1', 'v1-preferredversion'], targetVersions: ['v1'], targetPreferred: 'v1' });
  assert.deepEqual([c.version, c.versionDir], ['v1', 'v1-preferredversion']);
});

test('a resource with no version directories is an error naming it', () => {
  assert.throws(() => choose({ backupVersionDirs: [] }), /rockbands\.music\.example\.io: the backup holds no version directories/);
  assert.throws(() => choose({ backupVersionDirs: ['cluster'] }), /no version directories/);
});
