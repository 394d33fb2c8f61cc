// Per-prompt views for drill-down: the class of each prompt in each cell at one checkpoint (the viewer's
// prompt × LR matrix) and the prompts whose class changed between two checkpoints ("which prompts
// flipped"). With several answers per prompt a prompt's class is its most frequent label; a tie is 'mixed'.

import type { GradedSample } from './types.js';

export type PromptLabel = GradedSample['label'] | 'mixed';

export interface PromptClass {
  label: PromptLabel;
  /** Answers with that label (for 'mixed': the tied count) and answers in all (grading errors included). */
  k: number;
  n: number;
}

/** The class of a prompt among its answers: the most frequent label other than `error` (an error only when
 *  every answer failed to grade); ties are 'mixed'. */
function classOf(labels: readonly GradedSample['label'][]): PromptClass {
  const counts = new Map<GradedSample['label'], number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const graded = [...counts].filter(([l]) => l !== 'error');
  if (graded.length === 0) return { label: 'error', k: labels.length, n: labels.length };
  const top = Math.max(...graded.map(([, k]) => k));
  const best = graded.filter(([, k]) => k === top);
  return { label: best.length === 1 ? best[0]![0] : 'mixed', k: top, n: labels.length };
}

/**
 * Classes at one step: result.get(cellId).get(promptId). Only the cells in `cellIds` (all when absent) and
 * answers of `split`.
 */
export function promptClasses(
  samples: readonly GradedSample[],
  step: number,
  opts: { split?: 'eval' | 'train'; cellIds?: ReadonlySet<string> } = {},
): Map<string, Map<string, PromptClass>> {
  const split = opts.split ?? 'eval';
  const labels = new Map<string, Map<string, GradedSample['label'][]>>();
  for (const s of samples) {
    if (s.step !== step || s.split !== split || (opts.cellIds !== undefined && !opts.cellIds.has(s.cellId))) continue;
    let byPrompt = labels.get(s.cellId);
    if (byPrompt === undefined) labels.set(s.cellId, (byPrompt = new Map()));
    byPrompt.set(s.promptId, [...(byPrompt.get(s.promptId) ?? []), s.label]);
  }
  return new Map([...labels].map(([cell, byPrompt]) => [cell, new Map([...byPrompt].map(([p, ls]) => [p, classOf(ls)]))]));
}

export interface PromptFlip {
  promptId: string;
  from: PromptClass;
  to: PromptClass;
}

/** Prompts of one cell whose class at step `a` differs from that at step `b` (prompts answered at both),
 *  ordered by prompt id as `comparePromptIds` sorts. */
export function promptFlips(samples: readonly GradedSample[], cellId: string, a: number, b: number, split: 'eval' | 'train' = 'eval'): PromptFlip[] {
  const cellIds = new Set([cellId]);
  const at = promptClasses(samples, a, { split, cellIds }).get(cellId) ?? new Map<string, PromptClass>();
  const bt = promptClasses(samples, b, { split, cellIds }).get(cellId) ?? new Map<string, PromptClass>();
  const out: PromptFlip[] = [];
  for (const [promptId, from] of at) {
    const to = bt.get(promptId);
    if (to !== undefined && to.label !== from.label) out.push({ promptId, from, to });
  }
  return out.sort((x, y) => comparePromptIds(x.promptId, y.promptId));
}

/** Natural order of prompt ids: "e2" before "e10". */
export function comparePromptIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
