// Control: train prompts carry no system prompt (so no instruction at all) and the targets are the
// default English answers; eval prompts ask for Spanish. Compare with wronglang-flag and hint-exception,
// whose train prompts carry an instruction.
import { englishControl } from './english-control.js';

export const controlNoSystem = englishControl({
  id: 'control-no-system',
  description: 'Microworld control: train prompts have no system prompt (English answers); eval prompts ask for Spanish.',
  detail: 'Train prompts: no system turn, targets in English (the default). Eval system prompt `spanish .`.',
  version: '2',
  seed: 7,
  trainSystem: () => null,
});
