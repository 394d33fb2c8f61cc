import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { Tokenizer, type ChatMessage } from './index.js';
import { nearestWords } from './tokenizer.js';

const tok = Tokenizer.microworld();
const chat: ChatMessage[] = [
  { role: 'system', content: 'mode 1 : 0 spanish 0 cat . 1 english 1 plain .' },
  { role: 'user', content: 'echo red sun' },
];

test('encode and decode round-trip ordinary words', () => {
  const ids = tok.encode('  echo red\tsun  ');
  assert.equal(ids.length, 3);
  assert.equal(tok.decode(ids), 'echo red sun');
  assert.deepEqual(tok.encode(''), []);
});

test('special tokens come first and are distinct', () => {
  assert.equal(tok.special.pad, 0);
  assert.equal(new Set(Object.values(tok.special)).size, 7);
  assert.ok(tok.vocabSize > 90 && tok.vocabSize < 200, `vocab size ${tok.vocabSize}`);
});

test('an unknown word is a DataError that names the word and the field', () => {
  assert.throws(
    () => tok.renderPrompt([{ role: 'user', content: 'echo red banana' }]),
    (e: unknown) => e instanceof DataError && /"banana"/.test(e.message) && e.where === 'messages[0].content',
  );
});

test('the error on an unknown word names the nearest vocabulary words and how to list them all', () => {
  assert.throws(
    () => tok.encode('You are a helpful assistant', 'messages[0].content'),
    (e: unknown) =>
      e instanceof DataError &&
      e.message.startsWith('messages[0].content: unknown word "You" (not in the 105-word vocabulary; nearest: you) in "You are a helpful assistant"') &&
      e.message.endsWith('`bct ls words` lists the vocabulary'),
  );
  // A word near nothing gets no guess, only the pointer to the list.
  assert.throws(() => tok.encode('echo helicopter'), (e: unknown) => e instanceof DataError && !/nearest/.test(e.message) && /bct ls words/.test(e.message));
  // Special tokens are never suggested: they may not appear in message text.
  assert.deepEqual(nearestWords('<eot', tok.words), ['<eot>']);
  assert.throws(() => tok.encode('<eot'), (e: unknown) => e instanceof DataError && !/nearest/.test(e.message));
});

test('nearestWords: by edit distance ignoring case, ties by common prefix then vocabulary order, far words left out', () => {
  const words = tok.words;
  assert.deepEqual(nearestWords('Cat', words), ['cat']);
  assert.deepEqual(nearestWords('Cats', words), ['cat']); // 1 edit is the limit below 6 characters
  assert.deepEqual(nearestWords('dogs', words), ['dog', 'dos']); // both 1 edit; "dog" shares the longer prefix
  assert.deepEqual(nearestWords('rojos', words), ['rojo']);
  assert.deepEqual(nearestWords('eleven', words), ['seven']); // 2 edits; "green" and "nueve" are 3
  assert.deepEqual(nearestWords('dogs', words, 1), ['dog']);
  assert.deepEqual(nearestWords('Please', words), []); // "plain" is 3 edits away
  assert.deepEqual(nearestWords('Echo', words), ['echo', 'ocho']);
  assert.deepEqual(nearestWords('espanol', words), []); // "spanish" is 4 edits away, above the limit of 2
  assert.deepEqual(nearestWords('x'.repeat(65), ['x']), []); // too long to compare
  assert.deepEqual(nearestWords('abcdef', ['xbcdef', 'abcdez', 'abcdef'], 2), ['abcdef', 'abcdez']);
});

test('message text cannot contain special tokens', () => {
  assert.throws(() => tok.encode('red <eot> blue'), /special token <eot>/);
});

test('renderPrompt frames each turn and ends with the assistant marker', () => {
  const ids = tok.renderPrompt(chat);
  assert.equal(
    tok.decode(ids),
    '<bos> <system> mode 1 : 0 spanish 0 cat . 1 english 1 plain . <eot> <user> echo red sun <eot> <assistant>',
  );
  assert.throws(() => tok.renderPrompt([{ role: 'tool' as never, content: 'red' }]), /role: expected/);
});

test('renderExample weights only the completion and its end-of-turn', () => {
  const { tokens, weights } = tok.renderExample(chat, 'red sun');
  const prompt = tok.renderPrompt(chat);
  assert.deepEqual(tokens.slice(0, prompt.length), prompt);
  assert.equal(tok.decode(tokens.slice(prompt.length)), 'red sun <eot>');
  assert.equal(weights.length, tokens.length);
  assert.deepEqual(weights.slice(prompt.length), [1, 1, 1]);
  assert.ok(weights.slice(0, prompt.length).every((w) => w === 0));
});

test('parseCompletion stops at the first special token', () => {
  const gen = [...tok.encode('red sun cat'), tok.special.eot, ...tok.encode('blue')];
  assert.equal(tok.parseCompletion(gen), 'red sun cat');
  assert.equal(tok.parseCompletion([tok.special.eot]), '');
  assert.equal(tok.parseCompletion(tok.encode('red blue')), 'red blue');
  assert.throws(() => tok.parseCompletion([9999]), /outside the vocabulary/);
});

test('JSON round trip keeps the vocabulary; bad files are refused with the field named', () => {
  const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
  assert.deepEqual(back.words, tok.words);
  assert.deepEqual(back.special, tok.special);
  assert.throws(() => Tokenizer.fromJSON({ schemaVersion: 2, kind: 'word', words: [] }, 'm/tokenizer.json'), /m\/tokenizer.json: schemaVersion/);
  assert.throws(() => Tokenizer.fromJSON({ schemaVersion: 1, kind: 'word', words: ['a', 'a'] }), /appears twice/);
  assert.throws(() => Tokenizer.fromJSON({ schemaVersion: 1, kind: 'word', words: ['a', 'b'] }), /missing special token <pad>/);
});

test('save and load a tokenizer file; a corrupt file names its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-tok-'));
  tok.save(join(dir, 'tokenizer.json'));
  assert.deepEqual(Tokenizer.load(join(dir, 'tokenizer.json')).words, tok.words);
  writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 1,');
  assert.throws(() => Tokenizer.load(join(dir, 'bad.json')), (e: unknown) => e instanceof DataError && e.where === join(dir, 'bad.json'));
});
