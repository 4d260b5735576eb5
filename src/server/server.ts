/**
 * @module server/server: `skiff server` — builds the Kubernetes client, the location stores and the
 * controllers from a ServerConfig, runs them until a signal, then stops them cleanly.
 */
import { KubeClient, type KubeConfigOptions } from '../kube/index.ts';
import { backupController, backupSyncController, deleteBackupController, downloadRequestController, gcController, locationController, LocationStores, restoreController, scheduleController, type Controller } from '../controllers/index.ts';
import { parsePriorities } from '../restore/index.ts';
import { createLogger, parseLevel, type Logger } from '../log/index.ts';
import { parseGoDuration, skiffVersion } from '../util/index.ts';
import { metricsCollector, serverStatusRequestController } from '../controllers/index.ts';
import { parseMetricsAddress, serveMetrics, ServerMetrics } from '../metrics/index.ts';
import { configErrors, type ServerConfig } from './config.ts';
import { LeaderElector } from './leader.ts';

export interface RunningServer {
  client: KubeClient;
  /** The controllers of the current leadership term (none while standing by). */
  controllers: Controller[];
  log: Logger;
  /** True while this process holds the lease (always, with leader election off). */
  isLeader(): boolean;
  /** Where Prometheus scrapes this server (`--metrics-address`; undefined when it is empty). */
  metricsUrl?: string;
  /** Stops every controller and closes the client. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  config: ServerConfig;
  env: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  /** Where log lines go (default stderr). */
  write?: (line: string) => void;
}

export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
}

/** Starts every enabled controller and returns once their caches are in sync. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const c = opts.config;
  const errors = configErrors(c);
  if (errors.length > 0) throw new ServerConfigError(errors.join('\n'));
  const log = createLogger({ level: parseLevel(c.logLevel), format: c.logFormat, ...(opts.write ? { write: opts.write } : {}) });
  const kubeconfig: KubeConfigOptions = { env: opts.env, ...(c.kubeconfig ? { kubeconfig: c.kubeconfig } : {}), ...(c.kubecontext ? { context: c.kubecontext } : {}), ...(opts.homeDir ? { homeDir: opts.homeDir } : {}) };
  const client = await KubeClient.fromKubeConfig({
    kubeconfig,
    userAgent: 'skiff-server',
    maxInFlight: c.maxInFlight,
    ...(c.clientQps > 0 ? { qps: c.clientQps, burst: c.clientBurst || Math.ceil(c.clientQps) } : {}),
  });
  const version = await client.serverVersion();
  log.info(`starting skiff server`, { namespace: c.namespace, kubernetes: version.gitVersion });
  const stores = new LocationStores({ client, namespace: c.namespace, env: opts.env });
  // Every replica serves /metrics; only the leader's collector (with the controllers below) fills Velero's families.
  const metricsAddress = parseMetricsAddress(c.metricsAddress);
  const metrics = metricsAddress ? new ServerMetrics() : undefined;
  const metricsEndpoint = metrics && metricsAddress ? await serveMetrics(metrics.registry, metricsAddress) : undefined;
  if (metricsEndpoint) log.info('serving metrics', { url: metricsEndpoint.url });
  const enabled = (name: string): boolean => !c.disabledControllers.includes(name);
  // A fresh set of controllers for each leadership term: a stopped controller is not restarted.
  const buildControllers = (): Controller[] => {
    const controllers: Controller[] = [
      locationController({ client, namespace: c.namespace, stores, validationFrequencyMs: c.storeValidationFrequencyMs, log }) as unknown as Controller,
    ];
    if (enabled('backup')) {
      controllers.push(
        backupController({
          client,
          namespace: c.namespace,
          stores,
          concurrentBackups: c.concurrentBackups,
          defaults: {
            defaultBackupTTL: c.defaultBackupTTL,
            defaultBackupLocation: c.defaultBackupStorageLocation,
            defaultVolumesToFsBackup: c.defaultVolumesToFsBackup,
            defaultSnapshotMoveData: c.defaultSnapshotMoveData,
            itemOperationTimeout: c.defaultItemOperationTimeout,
            resourceTimeout: c.resourceTimeout,
          },
          pageSize: c.clientPageSize,
          listConcurrency: c.itemBlockWorkerCount,
          log,
        }) as unknown as Controller,
      );
    }
    if (enabled('restore')) {
      controllers.push(
        restoreController({
          client,
          namespace: c.namespace,
          stores,
          concurrentRestores: c.concurrentRestores,
          priorities: parsePriorities(c.restoreResourcePriorities),
          features: c.features,
          terminatingTimeoutMs: c.terminatingResourceTimeoutMs,
          resourceTimeoutMs: parseGoDuration(c.resourceTimeout),
          itemOperationTimeout: c.defaultItemOperationTimeout,
          pageSize: c.clientPageSize,
          log,
        }) as unknown as Controller,
      );
    }
    if (enabled('backup-deletion')) controllers.push(deleteBackupController({ client, namespace: c.namespace, stores, log }) as unknown as Controller);
    if (enabled('download-request')) controllers.push(downloadRequestController({ client, namespace: c.namespace, stores, log }) as unknown as Controller);
    if (enabled('schedule')) controllers.push(scheduleController({ client, namespace: c.namespace, skipImmediately: c.scheduleSkipImmediately, log }) as unknown as Controller);
    if (enabled('gc')) controllers.push(gcController({ client, namespace: c.namespace, frequencyMs: c.garbageCollectionFrequencyMs, log }) as unknown as Controller);
    if (enabled('backup-sync')) controllers.push(backupSyncController({ client, namespace: c.namespace, stores, periodMs: c.backupSyncPeriodMs, log }) as unknown as Controller);
    if (enabled('server-status-request')) controllers.push(serverStatusRequestController({ client, namespace: c.namespace, serverVersion: skiffVersion(), log }) as unknown as Controller);
    return controllers;
  };
  const running: RunningServer = { client, controllers: [], log, isLeader: () => elector?.isLeader ?? true, stop: () => Promise.resolve() };
  const startWork = async (): Promise<void> => {
    // The metrics collector's caches fill first, so it sees every transition the other controllers make.
    const collector = metrics
      ? metricsCollector({ client, namespace: c.namespace, metrics, log, tarballSize: async (location, backup) => (await stores.forLocation(location)).backupContentsSize(backup) })
      : undefined;
    const others = buildControllers();
    const controllers = [...(collector ? [collector as unknown as Controller] : []), ...others];
    running.controllers = controllers;
    await collector?.start();
    await Promise.all(others.map((ctl) => ctl.start()));
    log.info(`skiff server is running`, { controllers: controllers.map((ctl) => ctl.name).join(',') });
  };
  const stopWork = async (): Promise<void> => {
    const controllers = running.controllers;
    running.controllers = [];
    await Promise.all(controllers.map((ctl) => ctl.stop()));
  };
  const elector = c.leaderElect
    ? new LeaderElector(client, { name: c.leaderElectResourceName, namespace: c.namespace, leaseDurationMs: c.leaderElectLeaseDurationMs, renewDeadlineMs: c.leaderElectRenewDeadlineMs, retryPeriodMs: c.leaderElectRetryPeriodMs }, { onStartedLeading: startWork, onStoppedLeading: stopWork }, log)
    : undefined;
  if (elector) {
    await elector.start();
    if (!elector.isLeader) log.info('another skiff server holds the lease; standing by', { lease: `${c.namespace}/${c.leaderElectResourceName}` });
  } else {
    await startWork();
  }
  // Stopping twice waits for the first stop (tests and signal handlers may both ask).
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    log.info('stopping skiff server');
    if (elector) await elector.stop();
    else await stopWork();
    await metricsEndpoint?.close();
    await client.close();
  };
  running.stop = () => (stopping ??= stop());
  if (metricsEndpoint) running.metricsUrl = metricsEndpoint.url;
  return running;
}

/** Runs until SIGINT/SIGTERM; resolves after a clean stop. */
export async function runServer(opts: StartServerOptions, signals: NodeJS.EventEmitter = process): Promise<void> {
  const server = await startServer(opts);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
  });
  await server.stop();
}

/** Go duration flag values to milliseconds, naming the flag on error. */
export function durationFlag(flag: string, value: string): number {
  try {
    return parseGoDuration(value);
  } catch {
    throw new ServerConfigError(`${flag}: "${value}" is not a duration (examples: 1m, 30s, 1h30m)`);
  }
}
