// Read-only queries over a sweep's answers with their texts, for the viewer's drill-down, the report's
// examples and `bct export --table grades`: keyset pages of a cell's graded answers, one prompt's answers
// across steps, prompt search and the prompts' texts. A cell's answers are its own (`cell_samples`) and the
// label that counts is the sweep's own grader's (as in the `sweep_grades` view), so a page never depends
// on what other sweeps recorded. Nothing here loads a sweep's answers whole, except the export.
import type { Db } from './db.js';

/** One answer with the sweep's grade of it. */
export interface GradedAnswer {
  sampleId: number;
  step: number;
  split: string;
  promptId: string;
  sampleIndex: number;
  label: string;
  /** The grader's one sentence on the answer. */
  reason: string;
  /** The messages the model saw (JSON, as recorded). */
  prompt: string;
  completion: string;
}

// The cell's graded answers at one checkpoint (`@cellId`, `@step`, `@split`), spelled out rather than read
// from `sweep_grades` so that a page walks them in sample id order on the tables' own indexes.
const GRADED_ANSWERS = `
  SELECT s.id AS sampleId, k.step, s.split, s.prompt_id AS promptId, s.sample_index AS sampleIndex, gr.label,
         gr.reason, s.prompt_json AS prompt, s.completion
  FROM cells c JOIN sweeps w ON w.id = c.sweep_id
  JOIN checkpoints k ON k.train_key = c.train_key AND k.step = @step
  JOIN cell_samples cs ON cs.cell_id = c.id AND cs.checkpoint_id = k.id
  JOIN samples s ON s.id = cs.sample_id AND s.split = @split
  JOIN grades gr ON gr.sample_id = s.id
   AND gr.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
  WHERE c.id = @cellId`;

export interface AnswerPageQuery {
  cellId: number;
  step: number;
  split?: 'eval' | 'train';
  /** Only answers with this label. */
  label?: string;
  /** Keyset cursor: return answers with sample id greater than this. */
  after?: number;
  /** Page size, at most 500; default 50. */
  limit?: number;
}

/** The most answers one page holds. */
const MAX_PAGE = 500;

/** One page of graded answers at a checkpoint, ordered by sample id; `next` is the cursor of the next page. */
export function gradedAnswerPage(db: Db, q: AnswerPageQuery): { rows: GradedAnswer[]; next: number | null } {
  const limit = Math.max(1, Math.min(MAX_PAGE, q.limit ?? 50));
  const rows = db
    .prepare(`${GRADED_ANSWERS} AND (@label IS NULL OR gr.label = @label) AND s.id > @after ORDER BY s.id LIMIT @limit`)
    .all({ cellId: q.cellId, step: q.step, split: q.split ?? 'eval', label: q.label ?? null, after: q.after ?? 0, limit: limit + 1 }) as GradedAnswer[];
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? rows[rows.length - 1]!.sampleId : null };
}

/** The answers (at most 20 per step, by sample index) of one cell to one prompt at each of the given steps. */
export function promptAnswers(db: Db, cellId: number, promptId: string, steps: readonly number[], split: 'eval' | 'train' = 'eval'): Record<number, GradedAnswer[]> {
  const stmt = db.prepare(`${GRADED_ANSWERS} AND s.prompt_id = @promptId ORDER BY s.sample_index LIMIT 20`);
  const out: Record<number, GradedAnswer[]> = {};
  for (const step of steps) out[step] = stmt.all({ cellId, step, split, promptId }) as GradedAnswer[];
  return out;
}

/** A prompt of a sweep found by `searchPrompts`. */
export interface PromptHit {
  split: 'eval' | 'train';
  promptId: string;
  /** The messages the model saw (JSON, as recorded). */
  prompt: string;
}

/**
 * Prompts of a sweep's eval and train answers whose id is `query` or whose text contains it (case-insensitive
 * for ASCII), at most `limit` (≤ 200), exact id matches first. The query is cut to 200 characters and its
 * LIKE wildcards are literal.
 */
export function searchPrompts(db: Db, sweepId: number, query: string, limit = 50): PromptHit[] {
  const q = query.slice(0, 200);
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .prepare(
      `SELECT s.split, s.prompt_id AS promptId, MIN(s.prompt_json) AS prompt
       FROM cells c JOIN cell_samples cs ON cs.cell_id = c.id JOIN samples s ON s.id = cs.sample_id
       WHERE c.sweep_id = @sweepId AND s.split IN ('eval', 'train') AND (s.prompt_id = @q OR s.prompt_json LIKE @like ESCAPE '\\')
       GROUP BY s.split, s.prompt_id ORDER BY s.prompt_id <> @q, s.split, length(s.prompt_id), s.prompt_id LIMIT @limit`,
    )
    .all({ sweepId, q, like, limit: Math.max(1, Math.min(200, Math.floor(limit))) }) as PromptHit[];
}

/** The recorded prompt (messages JSON) of every prompt one cell answered on `split`, by prompt id. */
export function promptTexts(db: Db, cellId: number, split: 'eval' | 'train'): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT s.prompt_id, MIN(s.prompt_json) FROM cell_samples cs JOIN samples s ON s.id = cs.sample_id
       WHERE cs.cell_id = ? AND s.split = ? GROUP BY s.prompt_id`,
    )
    .raw()
    .all(cellId, split) as [string, string][];
  return new Map(rows);
}

/** One graded eval or train answer of a sweep's cell, for the grades export. */
export interface ExportedAnswer {
  cellId: number;
  step: number;
  examplesSeen: number;
  split: string;
  promptId: string;
  sampleIndex: number;
  sampleId: number;
  completion: string;
  label: string;
  score: number;
  reason: string;
}

/** Every graded eval and train answer of a sweep (`sweep_grades` with the answer and the grader's reason),
 *  ordered by cell id, step, split, prompt id and sample index. */
export function sweepAnswers(db: Db, sweepId: number): ExportedAnswer[] {
  return db
    .prepare(
      `SELECT v.cell_id AS cellId, v.step, v.examples_seen AS examplesSeen, v.split, v.prompt_id AS promptId,
              v.sample_index AS sampleIndex, v.sample_id AS sampleId, s.completion, v.label, v.score, g.reason
       FROM sweep_grades v JOIN sweeps w ON w.id = v.sweep_id JOIN samples s ON s.id = v.sample_id
       JOIN grades g ON g.sample_id = v.sample_id
        AND g.grader_key = CASE v.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
       WHERE v.sweep_id = ? ORDER BY v.cell_id, v.step, v.split, v.prompt_id, v.sample_index`,
    )
    .all(sweepId) as ExportedAnswer[];
}
