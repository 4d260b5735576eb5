/** @module kube/testing: in-process fakes for unit tests of the kube layer. */
export {
  FakeApiServer, fakeConnection, fakeCredentials, sendJson, sendStatus, startStream, waitFor,
  type ChunkedStream, type FakeCredentials, type Handler, type RecordedRequest,
} from './fake-api-server.ts';
