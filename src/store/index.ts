// Public surface of src/store/: content keys, the SQLite record and the artifact folder.
export { bytesHash, canonicalJson, contentHash, KEY_VERSIONS, stageKey, type KeyKind } from './keys.js';
