/** @module controllers: one reconciler per CRD, on an informer + keyed work queue runtime. */
export { Controller, type ControllerOptions, type ReconcileResult } from './runtime/controller.ts';
export { WorkQueue, type WorkQueueOptions } from './runtime/work-queue.ts';
export { backupController, listLocations, type BackupControllerOptions } from './backup-controller.ts';
export { locationController, type LocationControllerOptions } from './location-controller.ts';
export { LocationStores, LocationError } from './location-stores.ts';
export { downloadRequestController, type DownloadRequestControllerOptions } from './download-request-controller.ts';
export { deleteBackupController, type DeleteBackupControllerOptions } from './delete-backup-controller.ts';
export type { BackupDeletionStep, DeletionContext } from './deletion-steps.ts';
export { gcController, type GcControllerOptions } from './gc-controller.ts';
export { backupSyncController, type BackupSyncControllerOptions } from './backup-sync-controller.ts';
export { restoreController, type RestoreControllerOptions } from './restore-controller.ts';
export { scheduleController, planSchedule, type ScheduleControllerOptions, type SchedulePlan } from './schedule-controller.ts';
export { metricsCollector, metricsHandlers, type MetricsCollector, type MetricsCollectorOptions } from './metrics-collector.ts';
export { serverStatusRequestController, builtInPlugins, type ServerStatusRequestControllerOptions } from './server-status-request-controller.ts';
