// Only modules that do not load undici are exported by value here: the engine's index is loaded
// by every CLI command. The client, the host and the TLS connector come through createApiHost /
// hostFromSpec (a dynamic import), or from their modules directly.
export type { ApiClientOptions, ApiToken, PveApiClient, Query } from './api-client.js';
export { apiHttpError, apiTransportError, FINGERPRINT_MISMATCH, type RequestSite } from './api-errors.js';
export type { ApiHost, ApiHostOptions, ConfigDetail, NodeStatus } from './api-host.js';
export type { ApiHostSpec } from './api-host-spec.js';
export {
  type ApiFeature,
  checkPrivileges,
  PRIVILEGE_TABLE,
  type PrivilegeCheck,
  type PrivilegeRule,
  type PrivilegeScope,
} from './api-privileges.js';
export { snapshotTree } from './api-snapshot-tree.js';
export { followTask, taskLogTail, taskSucceeded, upidNode } from './api-tasks.js';
export type { ApiTls } from './api-tls.js';
export { configuredHostSpec, createApiHost, type HostChoiceOptions, hostFromSpec, PVE_ROOT_CA } from './host-choice.js';
export { featuresFor, type HostDoctorReport, hostDoctor } from './host-doctor.js';
export { type ExecVia, LocalExec, type LocalExecOptions, lxcAttachArgv } from './local-exec.js';
