/** @module storage/testing: the ObjectStore contract suite, Velero's fixture bucket and test bodies (tests only). */
export { objectStoreContract, listAll, emptyPrefix, type ContractOptions } from './contract.ts';
export { backupStoreFixtureSuite, uploadFixture, fixtureObjects, fixtureFile, tarEntries, FIXTURE_DIR, type FixtureSetup } from './velero-fixture.ts';
export { generatedStream, readAll, sha256Of, collectGarbage, liveBufferBytes, type GeneratedStream } from './streams.ts';
