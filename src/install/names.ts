/** @module install/names: Velero's names for what install creates, kept so Velero users' commands and habits work. */
import { COMPONENT_VELERO, LABEL_COMPONENT, NODE_AGENT } from '../api/index.ts';

export const SERVICE_ACCOUNT = 'velero';
export const DEPLOYMENT = 'velero';
export const SERVER_CONTAINER = 'velero';
export const NODE_AGENT_DAEMONSET = NODE_AGENT;
/** The credentials Secret and its one key, mounted at CREDENTIALS_DIR. */
export const CREDENTIALS_SECRET = 'cloud-credentials';
export const CREDENTIALS_KEY = 'cloud';
export const CREDENTIALS_DIR = '/credentials';
export const DEFAULT_LOCATION = 'default';
export const METRICS_PORT = 8085;
/** The image's user (see the Dockerfile); numeric so the kubelet can check runAsNonRoot. */
export const SERVER_UID = 65532;

/** `component: velero`, on everything install creates; uninstall finds the CRDs by it. */
export function componentLabels(): Record<string, string> {
  return { [LABEL_COMPONENT]: COMPONENT_VELERO };
}
