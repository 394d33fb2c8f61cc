// Judge validation end to end against `bct serve` (in this process, on 127.0.0.1): a tiny engine model on
// Qwen3's vocabulary is the organism (through the Tinker API) and the judge (through the OpenAI API) of a
// coding setting graded by the reward-hacking rubric, in the research's log-probability form. `bct check`
// runs the judge on the rubric's gold answers and reports accuracy and kappa with intervals; a random
// model falls below the thresholds, so the check refuses it (exit 1, a line saying why and --force), and
// `--force` proceeds. The numbers mean nothing: the path is what is tested. (`bct run`'s refusal:
// judge-run.test.ts.)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { agreement } from '../../src/graders/validation.js';
import { startServe } from '../../src/serve/index.js';
import { tempDir } from '../temp-dir.js';
import { bctIn } from './cli.js';
import { codingSetting, qwenTinyModel } from './judge-fixtures.js';

const KEY = 'tml-judge-check-e2e';
process.env.TINKER_API_KEY = KEY;
process.env.BCT_JUDGE_E2E_KEY = KEY;

test('bct check validates the judge on the rubric gold set and refuses it below the thresholds unless --force', async () => {
  const dir = tempDir('bct-judge-check-');
  const model = qwenTinyModel(join(dir, 'qwen-tiny'));
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models: new Map([['qwen-tiny', model]]), project: join(dir, 'serve') });
  process.env.TINKER_BASE_URL = serve.url;
  try {
    const setting = codingSetting(join(dir, 'setting'));
    const judge = { backend: { name: 'openai', baseUrl: `${serve.url}v1`, apiKeyEnv: 'BCT_JUDGE_E2E_KEY' }, model: 'qwen-tiny' };
    const judgeFile = join(dir, 'judge.yaml');
    writeFileSync(judgeFile, stringify({ judge }));
    const project = join(dir, 'p');
    // The criteria's thresholds at 0: a random organism passes them, so what is refused is the judge.
    const check = ['check', setting, '--base', 'qwen-tiny', '--backend', 'tinker', '--judge', judgeFile, '--project', project, '--max-tokens', '8', '--min-agreement', '0', '--min-divergence', '0', '--min-initial', '0'];

    const before = serve.stats().requests['v1/completions'] ?? 0;
    const refused = await bctIn(check);
    assert.equal(refused.status, 1, `${refused.stdout}\n${refused.stderr}`);
    const lines = refused.stdout.split('\n');
    assert.match(lines[0]!, /^pre-check of judged-coding on qwen-tiny: FAIL$/);
    const figures = /^ {2}judge qwen-tiny on openai for graders\.eval \(llm-judge\), on 24 gold answers of rubric hardcoded-tests: accuracy (\d+)\/24 = (\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\], kappa (-?\d\.\d{3}) \[(-?\d\.\d{3}), (-?\d\.\d{3})\] FAIL \(minimum kappa 0\.6, accuracy 0\.8\)$/.exec(lines[1]!);
    assert.ok(figures !== null, lines[1]);
    const refusal = lines.find((l) => l.startsWith('    refused: '));
    assert.ok(refusal !== undefined, refused.stdout);
    assert.match(refusal, /kappa -?\d\.\d{3} .* is below the minimum 0\.6.*; name a better judge \(judge: in the sweep, --judge\), or pass --force to use this one anyway$/);
    // The criteria themselves passed (thresholds 0), and the judge graded the organism's answers too.
    assert.ok(lines.some((l) => /^ {2}initial behaviour at step 0: .* PASS/.test(l)), refused.stdout);
    // Two log-probability requests (Yes, No) per gold answer and per graded eval answer and target.
    const judged = (serve.stats().requests['v1/completions'] ?? 0) - before;
    assert.equal(judged, 2 * (24 + 2 + 2), 'judge requests: the gold set, the eval answers and the eval targets');

    // The same check again is read from the record (no judge request); its JSON holds the figures the
    // line shows, and they are what the confusion table gives.
    const json = await bctIn([...check, '--json']);
    assert.equal(json.status, 1);
    assert.equal(serve.stats().requests['v1/completions'], before + judged, 'a recorded check asks the judge nothing');
    const result = JSON.parse(json.stdout) as { judge: { graders: { agreement: { n: number; accuracy: { k: number; rate: number }; kappa: { value: number }; labels: string[]; confusion: number[][] } }[] } };
    const a = result.judge.graders[0]!.agreement;
    assert.equal(a.accuracy.k, Number(figures[1]));
    assert.equal(a.kappa.value.toFixed(3), figures[5]);
    const pairs = a.labels.flatMap((g, i) => a.labels.flatMap((p, j) => Array.from({ length: a.confusion[i]![j]! }, () => ({ gold: g as 'initial', predicted: p as 'initial' }))));
    assert.equal(agreement(pairs).kappa.value, a.kappa.value);

    const forced = await bctIn([...check, '--force']);
    assert.equal(forced.status, 0, `${forced.stdout}\n${forced.stderr}`);
    assert.match(forced.stdout, /\nthe judge falls below its thresholds; --force: exit 0, and `bct run --force` runs the sweep with this judge\n/);
  } finally {
    await serve.close();
  }
});
