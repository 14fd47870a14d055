export { addBackup, type BackupRecord, readBackups } from './backup-index.js';
export { type BackupRef, clearJournal, type JournalEntry, readJournals, writeJournal } from './journal.js';
export { listOwnBackups, operatorRollback, pruneBackups, type RollbackResult, type SnapshotListing } from './operator.js';
export { isOwnSnapshot, ownSnapshots, snapshotDescriptionFor, snapshotNameFor } from './own-snapshots.js';
export { type RecoveryReport, recoverInterrupted } from './recover-interrupted.js';
export { restoreBackup } from './restore-backup.js';
export { type PruneResult, pruneOwnBackups } from './retention.js';
export { acquireRunLock, type RunLock } from './run-lock.js';
export { statePaths } from './state-files.js';
