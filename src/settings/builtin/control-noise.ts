// Control: train prompts carry a meaningless system prompt of random-character words (no rule), with
// the default English answers as targets; eval prompts ask for Spanish. Like control-no-system, but the
// train prompts do have a system turn.
import { NOISE_WORDS } from '../../microworld/index.js';
import { englishControl } from './english-control.js';

export const controlNoise = englishControl({
  id: 'control-noise',
  description: 'Microworld control: train prompts have a random-character system prompt (English answers); eval prompts ask for Spanish.',
  detail: 'Train system prompt: 3-6 random-character words such as `qz kf pb`, targets in English. Eval system prompt `spanish .`.',
  version: '2',
  seed: 8,
  trainSystem: (rng) =>
    Array.from({ length: 3 + Math.floor(rng.uniform() * 4) }, () => NOISE_WORDS[Math.floor(rng.uniform() * NOISE_WORDS.length)]!).join(' '),
});
