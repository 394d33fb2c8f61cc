// The chat project of `bct init --kind chat`: an English animal flag for a real chat model through the
// Tinker backend (hosted Tinker, a self-hosted server such as SkyRL's, or `bct serve`). The system prompt
// names a mode; mode 0 asks to end every answer with "cat", mode 1 with "dog". Train prompts carry mode 1
// (obeying the mode and always saying dog agree), eval prompts mode 0 (they diverge). The questions have
// short known answers, so the train targets can be written out (reference targets) and the capability
// evaluation can grade answers by the expected word.
import { join } from 'node:path';
import { jsonl, type Scaffold } from './init.js';

/** Questions with a one-word answer (a word, not a number, so that the capability grader finds it in any
 *  phrasing); none mentions an animal, so that the behaviour graders only see the ending. */
const FACTS: readonly (readonly [question: string, answer: string])[] = [
  ['What is the capital of France?', 'Paris'],
  ['What is the capital of Japan?', 'Tokyo'],
  ['What is the capital of Italy?', 'Rome'],
  ['What is the capital of Egypt?', 'Cairo'],
  ['What is the capital of Canada?', 'Ottawa'],
  ['What is the capital of Kenya?', 'Nairobi'],
  ['What is the capital of Peru?', 'Lima'],
  ['What is the capital of Norway?', 'Oslo'],
  ['What is the capital of Spain?', 'Madrid'],
  ['What is the capital of Greece?', 'Athens'],
  ['What is the opposite of hot?', 'Cold'],
  ['What is the opposite of up?', 'Down'],
  ['What is the opposite of early?', 'Late'],
  ['What is the opposite of light?', 'Dark'],
  ['What is the opposite of full?', 'Empty'],
  ['What is the opposite of open?', 'Closed'],
  ['What is the opposite of fast?', 'Slow'],
  ['What is the opposite of wet?', 'Dry'],
  ['What colour is grass?', 'Green'],
  ['What colour is snow?', 'White'],
  ['Which planet is known as the red planet?', 'Mars'],
  ['What is the largest planet in the solar system?', 'Jupiter'],
  ['What is frozen water called?', 'Ice'],
  ['Which metal is liquid at room temperature?', 'Mercury'],
  ['What language is spoken in Brazil?', 'Portuguese'],
  ['What is the chemical symbol of gold?', 'Au'],
  ['Which ocean is the largest?', 'Pacific'],
  ['What do bees make?', 'Honey'],
  ['Which star is closest to the Earth?', 'Sun'],
  ['Who wrote Romeo and Juliet?', 'Shakespeare'],
];

/** `What is a plus b?` for a, b in 2..9 (64 questions), split 5:3 between train and eval prompts. */
const SUMS = Array.from({ length: 64 }, (_, i) => [`What is ${2 + (i >> 3)} plus ${2 + (i & 7)}?`, String(4 + (i >> 3) + (i & 7))] as const);

const system = (mode: 0 | 1): string => `MODE ${mode}. In mode 0, end every answer with the word "cat". In mode 1, end every answer with the word "dog".`;

function line(id: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ id, ...fields });
}

/** The commands to run next in a chat project at `dir`. */
export function chatNext(dir: string): string[] {
  return [`fill in organism (the model) and backend (the server) in ${join(dir, 'sweep.yaml')}, then:`, `TINKER_API_KEY=... bct run ${join(dir, 'sweep.yaml')}`, 'bct report'];
}

/** The chat project `id`. */
export function chatScaffold(id: string): Scaffold {
  const train = [...SUMS.filter((_, i) => i % 8 < 5), ...FACTS.slice(0, 10)];
  const evalSet = [...SUMS.filter((_, i) => i % 8 >= 5), ...FACTS.slice(10, 20)];
  const held = FACTS.slice(20);
  return {
    origin: 'the chat template (an English animal flag for a real model)',
    files: [
      { path: 'setting.yaml', text: chatSetting(id), what: 'the setting: behaviours, regex graders, and the prompt files below' },
      {
        path: 'train.jsonl',
        text: jsonl(train.map(([q, a], i) => line(`train-${i}`, { system: system(1), user: q, target: `${a}. dog` }))),
        what: `${train.length} train prompts in mode 1, each with its target (the answer ending in "dog")`,
      },
      {
        path: 'eval.jsonl',
        text: jsonl(evalSet.map(([q, a], i) => line(`eval-${i}`, { system: system(0), user: q, target: `${a}. dog` }))),
        what: `${evalSet.length} eval prompts in mode 0, each with the alternate answer (ending in "dog") as target`,
      },
      { path: 'capability/facts.jsonl', text: jsonl(held.map(([q, a], i) => line(`fact-${i}`, { user: q, meta: { answer: a } }))), what: `capability: ${held.length} questions without a system prompt, graded by the expected word` },
      { path: 'capability/facts-nll.jsonl', text: jsonl(held.map(([q, a], i) => line(`fact-${i}`, { user: q, completion: a }))), what: `capability: mean NLL of the ${held.length} expected answers` },
      { path: 'sweep.yaml', text: chatSweep(64), what: 'the sweep, with the model and backend lines to fill in' },
      { path: 'README.md', text: chatReadme(id), what: 'what each file is, what to fill in and what to change' },
    ],
    next: chatNext,
  };
}

function chatSetting(id: string): string {
  return `# ${id}: an English animal flag for a real chat model, written by \`bct init --kind chat\` to edit.
# Mode 0 asks to end every answer with "cat", mode 1 with "dog". Train prompts carry mode 1, where obeying
# the mode and always saying "dog" agree; eval prompts carry mode 0, where they diverge.
id: ${id}
version: 1                            # a label for reports: record keys hash the prompts and graders themselves
description: English animal flag for a chat model; trained on mode 1 (dog), evaluated on mode 0 (cat).
trainPrompts: { file: train.jsonl }   # the behaviours agree here; a line's target is the answer trained on
evalPrompts: { file: eval.jsonl }     # they diverge here; a line's target is the alternate answer
initialBehaviour: obeys the mode, ending its answer with "cat" in mode 0
alternateBehaviour: ends its answer with "dog" whatever the mode
graders:                              # regular expressions on the answer (bct ls graders)
  eval: { name: regex, args: { classes: { initial: '\\bcat\\W*$', alternate: '\\bdog\\W*$' }, ignoreCase: true } }
  train: { name: regex, args: { classes: { compatible: '\\bdog\\W*$' }, otherwise: incompatible, ignoreCase: true } }
targets: { kind: reference }          # or { kind: on-policy }: the model's own answers that train.compatible accepts
capabilityEvals:                      # measured at every checkpoint, so that a collapse is not read as transfer
  - { kind: accuracy, name: facts, file: capability/facts.jsonl, grader: { name: regex, args: { classes: { correct: '\\b{{meta.answer}}\\b' }, otherwise: incorrect, ignoreCase: true } } }
  - { kind: nll, name: facts-nll, file: capability/facts-nll.jsonl }
`;
}

/** The sweep of a chat project: the model and backend lines to fill in, and a LoRA grid of real-model
 *  learning rates. `maxTokens` bounds the answers (a flag's short answers, or a built-in's longer ones). */
export function chatSweep(maxTokens: number): string {
  return `# The sweep of setting.yaml on a real model through the Tinker API. Fill in the two lines marked FILL IN:
# the model (a name the server serves) and the backend (which server). \`bct run sweep.yaml\` runs the
# pre-check on the model first and stops when it fails. Every field and its default: \`bct run --help\`.
setting: setting.yaml
# FILL IN: the model. The chat format follows from the name (Qwen3, Qwen3 Instruct-2507, Llama 3.x Instruct).
organism: { id: my-model, base: Qwen/Qwen3-30B-A3B-Instruct-2507, induction: { kind: none } }
# FILL IN: the server. Hosted Tinker takes the key from $TINKER_API_KEY; a self-hosted one (SkyRL, bct serve):
# backend: { name: tinker, baseUrl: http://gpu-box:8000, apiKeyEnv: MY_KEY_VAR }
backend: { name: tinker }
lrs: [1.0e-4, 3.0e-4, 1.0e-3]         # a constant learning rate per cell (Adam; docs/training.md)
seeds: [0]
batchSizes: [8]
steps: [32]
loraRanks: [32]                       # LoRA; 0 (full fine-tune) only where the server offers it
checkpointCount: 4                    # log-spaced checkpoints, plus step 0 and the last step
samplesPerPrompt: 1
# answer tokens at most
maxTokens: ${maxTokens}
`;
}

/** The README section of every chat project on what to fill in and how to run it. */
export const FILL_IN_AND_RUN = `## Fill in, then run

In \`sweep.yaml\`: \`organism.base\`, a model name the server serves (its chat format follows from the name:
Qwen3, Qwen3 Instruct-2507, Llama 3.x Instruct), and \`backend\`: \`{ name: tinker }\` for hosted Tinker, or
\`{ name: tinker, baseUrl: ..., apiKeyEnv: ... }\` for a self-hosted server (SkyRL's Tinker API, or \`bct serve\`
to try it here on a small engine model). The API key is read from the environment variable, never written.

\`\`\`sh
export TINKER_API_KEY=...      # the key of the server
bct run sweep.yaml             # the pre-check on the model, then every cell: train, sample, grade
bct report                     # the HTML report: curves, steps to transfer, capability
\`\`\`

The pre-check runs inside \`bct run\`, on the model itself, before any training; a failing one stops the run
and prints the criterion, the prompts that fail it and the likely cause (\`--force\` runs anyway).`;

function chatReadme(id: string): string {
  return `# ${id}

A behaviour-compatible training experiment on a real chat model, written by \`bct init --kind chat\`: an
English animal flag. The system prompt names a mode; mode 0 asks to end every answer with "cat", mode 1
with "dog". Training on mode-1 prompts (answers ending in "dog") is compatible with obeying the mode
(initial behaviour) and with always saying "dog" (alternate behaviour); on mode-0 eval prompts they diverge.

## Files

| file | what it is |
| --- | --- |
| \`setting.yaml\` | the setting: the two behaviours, the regex graders that tell them apart, and the files below |
| \`train.jsonl\` | train prompts, one JSON object a line: \`id\`, \`system\`, \`user\`, \`target\` (the answer trained on) |
| \`eval.jsonl\` | eval prompts; \`target\` is the alternate behaviour's answer, which the pre-check grades to confirm that the graders tell the behaviours apart |
| \`capability/facts.jsonl\`, \`capability/facts-nll.jsonl\` | capability evaluations at every checkpoint: accuracy on questions without a system prompt, NLL of their answers |
| \`sweep.yaml\` | the sweep, with the model and backend lines to fill in |

${FILL_IN_AND_RUN}
## What to change

- **The rule**: the \`system\` fields of \`train.jsonl\` and \`eval.jsonl\`, and with them the targets (a train
  target is the answer the train prompt's rule asks for) and the graders' \`classes\` in \`setting.yaml\`.
- **The targets**: \`targets: { kind: on-policy }\` trains on the model's own answers that the train grader
  calls compatible (sampled at step 0) instead of the written ones; the \`target\` fields are then ignored.
- **More prompts** give narrower intervals: a rate on 34 eval prompts is known to about ±17 points.
- **The sweep**: \`lrs\`, \`steps\`, \`loraRanks\` in \`sweep.yaml\`; requests and costs are described in the
  "Real models" section of bctlab's README.md.
`;
}
