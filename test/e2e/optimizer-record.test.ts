// Every optimizer parameter a sweep trained with is named in its record and its report, clipping and warm-up
// included: the default is the research protocol (Tinker's AdamParams defaults), and a preset or a field
// of the sweep overrides it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openProject, resolveSweep } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bct } from './cli.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

test('the record and the report name betas, eps, weight decay and gradient clipping of a sweep', () => {
  const dir = tempDir('bct-optim-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file } = writeTinySweep(dir, { name: 'optim', lrs: [1e-2], steps: [2], checkpointEvery: 2, maxTokens: 2, trainPromptsPerCheckpoint: 2 });
  const project = join(dir, 'p');
  assert.equal(bct(['run', file, '--project', project]).status, 0);
  assert.equal(bct(['run', file, '--project', project, '--name', 'clipped', '--optimizer', 'bctlab-0.1', '--grad-clip', '0.5']).status, 0);
  const p = openProject(project, { readonly: true });
  try {
    const spec = (name: string) => {
      const s = resolveSweep(p.db, name);
      const row = p.db.prepare(`SELECT spec_json, manifest_json FROM sweeps WHERE id = ?`).get(s.id) as { spec_json: string; manifest_json: string };
      const pick = (o: Record<string, unknown>) => ({ optimizer: o.optimizer, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay, gradClip: o.gradClip });
      return { spec: pick(JSON.parse(row.spec_json)), manifest: pick((JSON.parse(row.manifest_json) as { config: Record<string, unknown> }).config) };
    };
    const research = { optimizer: 'research', betas: [0.9, 0.95], eps: 1e-12, weightDecay: 0, gradClip: 0 };
    assert.deepEqual(spec('optim'), { spec: research, manifest: research });
    const clipped = { optimizer: 'bctlab-0.1', betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, gradClip: 0.5 };
    assert.deepEqual(spec('clipped'), { spec: clipped, manifest: clipped });
  } finally {
    p.db.close();
  }
  const out = join(dir, 'report.html');
  assert.equal(bct(['report', 'clipped', '--project', project, '--out', out]).status, 0);
  const html = readFileSync(out, 'utf8');
  const specTable = html.slice(html.indexOf('id="spec-table"'));
  for (const field of ['optimizer', 'betas', 'eps', 'weightDecay', 'gradClip']) assert.ok(specTable.includes(field), `the report's spec table names ${field}`);
  assert.ok(specTable.includes('bctlab-0.1') && specTable.includes('0.5'), 'with their values');
});

test('a warm-up is named in the record, the manifest and the report; a sweep without one names none', () => {
  const dir = tempDir('bct-warmup-record-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file } = writeTinySweep(dir, { name: 'plain', lrs: [1e-2], steps: [2], checkpointEvery: 2, maxTokens: 2, trainPromptsPerCheckpoint: 2 });
  const project = join(dir, 'p');
  assert.equal(bct(['run', file, '--project', project]).status, 0);
  assert.equal(bct(['run', file, '--project', project, '--name', 'warm', '--warmup-steps', '2']).status, 0);
  const p = openProject(project, { readonly: true });
  try {
    const fields = (name: string) => {
      const row = p.db.prepare(`SELECT spec_json, manifest_json FROM sweeps WHERE id = ?`).get(resolveSweep(p.db, name).id) as { spec_json: string; manifest_json: string };
      return [JSON.parse(row.spec_json).warmupSteps, (JSON.parse(row.manifest_json) as { config: Record<string, unknown> }).config.warmupSteps];
    };
    assert.deepEqual(fields('plain'), [undefined, undefined]);
    assert.deepEqual(fields('warm'), [2, 2]);
  } finally {
    p.db.close();
  }
  const out = join(dir, 'report.html');
  assert.equal(bct(['report', 'warm', '--project', project, '--out', out]).status, 0);
  const html = readFileSync(out, 'utf8');
  assert.ok(html.slice(html.indexOf('id="spec-table"')).includes('warmupSteps'), 'the report\'s spec table names warmupSteps');
});
