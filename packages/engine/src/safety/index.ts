export { addBackup, type BackupRecord, readBackups, readBackupsChecked } from './backup-index.js';
export {
  acquireClusterLock,
  CLUSTER_LOCK_NAME,
  type ClusterLock,
  type ClusterLockHolder,
  type ClusterLockOptions,
} from './cluster-lock.js';
export { type BackupRef, clearJournal, type JournalEntry, readJournals, readJournalsChecked, writeJournal } from './journal.js';
export { listOwnBackups, operatorRollback, pruneBackups, type RollbackResult, type SnapshotListing } from './operator.js';
export { checkOwnArchive, dumpDirs, pveStorageCfgPath } from './own-archives.js';
export { isOwnSnapshot, isOwnSnapshotName, ownSnapshots, snapshotDescriptionFor, snapshotNameFor } from './own-snapshots.js';
export { describeQuarantine, listQuarantined, type QuarantineEvent } from './quarantine.js';
export { QUARANTINED, type RecoveryOptions, type RecoveryReport, recoverInterrupted } from './recover-interrupted.js';
export { restoreBackup } from './restore-backup.js';
export { type PruneResult, pruneOwnBackups } from './retention.js';
export { acquireContainerLock, acquireRunLock, defaultLockDir, hostLockPaths, type RunLock } from './run-lock.js';
export { statePaths } from './state-files.js';
export {
  assertStateDirTrusted,
  assertStateDirTrustedIfExists,
  ensurePrivateDir,
  ensureStateDir,
  preparePrivateFile,
  preparePrivateFileSync,
} from './trusted-dir.js';
