/** @module controllers: one reconciler per CRD, on an informer + keyed work queue runtime. */
export { Controller, type ControllerOptions, type ReconcileResult } from './runtime/controller.ts';
export { WorkQueue, type WorkQueueOptions } from './runtime/work-queue.ts';
export { backupController, listLocations, type BackupControllerOptions } from './backup-controller.ts';
export { locationController, type LocationControllerOptions } from './location-controller.ts';
export { LocationStores, LocationError } from './location-stores.ts';
export { downloadRequestController, type DownloadRequestControllerOptions } from './download-request-controller.ts';
export { deleteBackupController, type DeleteBackupControllerOptions } from './delete-backup-controller.ts';
export { restoreController, type RestoreControllerOptions } from './restore-controller.ts';
