/** @module server: `skiff server` — configuration, wiring and lifecycle. */
export { startServer, runServer, durationFlag, ServerConfigError, type RunningServer, type StartServerOptions } from './server.ts';
export { DEFAULT_SERVER_CONFIG, CONTROLLER_NAMES, configErrors, type ServerConfig } from './config.ts';
