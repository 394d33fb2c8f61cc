// Applies a model organism's induction to a prompt: what the model actually sees.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelOrganism, Prompt } from './types.js';

export function applyInduction(organism: ModelOrganism, prompt: Prompt): Prompt {
  const ind = organism.induction;
  if (ind.kind === 'system-prompt') {
    if (prompt.messages[0]?.role === 'system') return prompt;
    return { ...prompt, messages: [{ role: 'system', content: ind.system }, ...prompt.messages] };
  }
  if (ind.kind === 'template') {
    const last = prompt.messages.map((m) => m.role).lastIndexOf('user');
    if (last < 0) return prompt;
    const messages = prompt.messages.map((m, i) => (i === last ? { ...m, content: ind.user.replaceAll('{{prompt}}', m.content) } : m));
    return { ...prompt, messages };
  }
  return prompt;
}

/** Where a model path named by an organism lives: as given when absolute or present relative to the
 *  working directory, else relative to the bctlab package (where built-in organisms ship, e.g.
 *  `models/mw-base`). Returned unchanged when found nowhere (the caller reports it). */
export function resolveModelPath(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return resolve(path);
  for (const up of ['../..', '../../..']) {
    const candidate = fileURLToPath(new URL(`${up}/${path}`, import.meta.url));
    if (existsSync(candidate) && existsSync(fileURLToPath(new URL(`${up}/package.json`, import.meta.url)))) return candidate;
  }
  return path;
}
