// Public surface of src/settings/: setting types, the file schema, and the registry of built-in settings.
// Add a built-in setting by writing one file in ./builtin/ that exports a `defineSetting(...)` object and
// adding it to BUILTIN_SETTINGS below (one line).
import { resolveSetting as resolveWith, type BuiltinSetting } from './registry.js';
import type { Setting } from './types.js';

export const BUILTIN_SETTINGS: readonly BuiltinSetting[] = [];

/** A built-in name or a YAML/JSON file path → Setting. */
export function resolveSetting(arg: string, where = 'setting'): Setting {
  return resolveWith(arg, BUILTIN_SETTINGS, where);
}

export { defineSetting, type BuiltinSetting } from './registry.js';
export { loadSettingFile, organismSchema, inductionSchema, parseConfigFile, issuePath, settingFileSchema } from './schema.js';
export { settingHash } from './hash.js';
export { applyInduction } from './organism.js';
export type {
  CapabilityEval,
  ChatMessage,
  GradeLabel,
  Induction,
  Json,
  ModelOrganism,
  Prompt,
  PromptCompletion,
  Setting,
  TrainingTargets,
} from './types.js';
