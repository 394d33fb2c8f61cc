// Applies a model organism's induction to a prompt: what the model actually sees.
import type { ModelOrganism } from './types.js';
import type { Prompt } from '../domain/index.js';

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
