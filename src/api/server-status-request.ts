/** @module api/server-status-request: the ServerStatusRequest kind (velero.io/v1, short name ssr) — server version and plugins. */
import { GROUP_VERSION_V1, PLUGIN_KINDS, SERVER_STATUS_REQUEST_PHASES } from './labels.ts';
import { KnownString, KubeObjectSchema, StringEnum, Time, Type, type Static } from './schema-kit.ts';

/** The spec is empty. */
export const ServerStatusRequestSpecSchema = Type.Object({});
export type ServerStatusRequestSpec = Static<typeof ServerStatusRequestSpecSchema>;

export const PluginInfoSchema = Type.Object({
  name: Type.Optional(Type.String()),
  kind: Type.Optional(KnownString(PLUGIN_KINDS)),
});
export type PluginInfo = Static<typeof PluginInfoSchema>;

export const ServerStatusRequestStatusSchema = Type.Object({
  phase: Type.Optional(StringEnum(SERVER_STATUS_REQUEST_PHASES)),
  processedTimestamp: Type.Optional(Time()),
  serverVersion: Type.Optional(Type.String()),
  plugins: Type.Optional(Type.Array(PluginInfoSchema)),
});
export type ServerStatusRequestStatus = Static<typeof ServerStatusRequestStatusSchema>;

export const ServerStatusRequestSchema = KubeObjectSchema(
  GROUP_VERSION_V1,
  'ServerStatusRequest',
  ServerStatusRequestSpecSchema,
  ServerStatusRequestStatusSchema,
  'A request for the server\'s version and plugin list.',
);
export type ServerStatusRequest = Static<typeof ServerStatusRequestSchema>;
