// Public surface of src/store/: content keys, the SQLite record and the artifact folder.
export { bytesHash, canonicalJson, contentHash, KEY_VERSIONS, stageKey, type KeyKind } from './keys.js';
export { emptyProject, now, openProject, projectPaths, SCHEMA_VERSION, type Db, type Project } from './db.js';
export { acquireRunLock, LOCK_FILE, readRunLock, type LockHolder } from './lock.js';
export {
  artifactPath,
  collectGarbage,
  GC_MIN_AGE_MS,
  hashPath,
  putArtifact,
  releaseStates,
  verifyArtifacts,
  type ArtifactProblem,
  type FolderHashScheme,
  type VerifyProgress,
  type VerifyReport,
} from './artifacts.js';
export * from './record.js';
export * from './sweep-reads.js';
export * from './answer-reads.js';
export { stageCosts, type StageCost } from './timings.js';
export { addTokens, addUsage, cellUsages, sweepUsage, totalTokens, zeroUsage, type CellUsage, type RoleTokens, type SweepUsage, type TokenUsage } from './usage.js';
