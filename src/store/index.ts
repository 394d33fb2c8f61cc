// Public surface of src/store/: content keys, the SQLite record and the artifact folder.
export { bytesHash, canonicalJson, contentHash, KEY_VERSIONS, stageKey, type KeyKind } from './keys.js';
export { now, openProject, projectPaths, SCHEMA_VERSION, type Db, type Project } from './db.js';
export { acquireRunLock, LOCK_FILE } from './lock.js';
export { artifactPath, collectGarbage, hashPath, putArtifact, releaseStates } from './artifacts.js';
export * from './record.js';
