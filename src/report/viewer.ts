// `bct view`: a local web app over the record, served by node:http on 127.0.0.1. JSON endpoints below; the
// page (viewer-page.ts) draws the report's own charts (view-data.ts) and fetches answers a page at a time,
// so a record of 100,000 answers is never loaded whole. The analysis of a sweep is cached until the record
// changes.
// The server is src/http's guarded one: a malformed target (`GET //a:99999/`) is a 400, a foreign Host
// (DNS rebinding) a 403, anything but GET a 405, and no exception escapes a route.

import type { Server } from 'node:http';
import { BctError, ConfigError } from '../errors.js';
import { HttpError, sendText, startGuardedServer, type Route } from '../http/index.js';
import { gradedAnswerPage, promptAnswers, resultsMark, sweepSummaries, type Db } from '../store/index.js';
import { analyzeSweep, type AnalysisOptions, type SweepAnalysis } from './analyze.js';
import { scriptJson } from './html.js';
import { compareView, flipsView, promptAcrossCells, promptMatrix, searchView, sweepPayload } from './view-data.js';
import { viewerPage } from './viewer-page.js';

export interface ViewerOptions extends AnalysisOptions {
  /** Interface to listen on; default 127.0.0.1 (never exposed beyond the machine unless asked). */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
}

export interface Viewer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

type Handler = (params: string[], q: URLSearchParams) => unknown;

export async function startViewer(db: Db, opts: ViewerOptions = {}): Promise<Viewer> {
  // The record may still be growing (`bct run` in another terminal): an analysis is reused only while the
  // grades, metrics and sweeps tables are unchanged (row counts and last ids: cheap, indexed queries).
  const cache = new Map<number, { key: string; analysis: SweepAnalysis }>();
  const analysis = (id: number): SweepAnalysis => {
    const key = resultsMark(db);
    const hit = cache.get(id);
    if (hit !== undefined && hit.key === key) return hit.analysis;
    const a = analyzeSweep(db, id, opts);
    cache.set(id, { key, analysis: a });
    return a;
  };
  const int = (v: string | null | undefined, name: string): number => {
    const n = Number(v);
    if (v === null || v === undefined || v === '' || !Number.isInteger(n)) throw new ConfigError(`expected an integer, got "${v ?? ''}"`, name);
    return n;
  };
  const routes: [RegExp, Handler][] = [
    [/^\/api\/sweeps$/, () => sweepSummaries(db)],
    [/^\/api\/sweeps\/(\d+)$/, ([id]) => sweepPayload(db, analysis(int(id, 'sweep')))],
    [/^\/api\/sweeps\/(\d+)\/matrix$/, ([id], q) => promptMatrix(db, analysis(int(id, 'sweep')), q)],
    [/^\/api\/sweeps\/(\d+)\/flips$/, ([id], q) => flipsView(db, analysis(int(id, 'sweep')), q)],
    [/^\/api\/sweeps\/(\d+)\/search$/, ([id], q) => searchView(db, analysis(int(id, 'sweep')), q)],
    [/^\/api\/sweeps\/(\d+)\/prompt$/, ([id], q) => promptAcrossCells(db, analysis(int(id, 'sweep')), q)],
    [/^\/api\/compare$/, (_, q) => compareView(q, analysis)],
    [
      /^\/api\/cells\/(\d+)\/samples$/,
      ([id], q) => {
        const split = q.get('split') ?? 'eval';
        if (split !== 'eval' && split !== 'train') throw new ConfigError(`expected eval or train, got "${split}"`, 'split');
        return gradedAnswerPage(db, {
          cellId: int(id, 'cell'),
          step: int(q.get('step'), 'step'),
          split,
          label: q.get('label') || undefined,
          after: q.has('after') ? int(q.get('after'), 'after') : undefined,
          limit: q.has('limit') ? int(q.get('limit'), 'limit') : undefined,
        });
      },
    ],
    [
      /^\/api\/cells\/(\d+)\/prompt$/,
      ([id], q) => {
        const steps = (q.get('steps') ?? '').split(',').filter((s) => s !== '').map((s) => int(s, 'steps'));
        const split = q.get('split') === 'train' ? 'train' : 'eval';
        return promptAnswers(db, int(id, 'cell'), q.get('prompt') ?? '', steps, split);
      },
    ],
  ];

  const route: Route = (req, res, target) => {
    if (req.method !== 'GET') throw new HttpError(405, 'only GET', { allow: 'GET' });
    if (target.pathname === '/') return sendText(res, 200, 'text/html; charset=utf-8', viewerPage());
    for (const [re, h] of routes) {
      const m = re.exec(target.pathname);
      if (m === null) continue;
      let body: string;
      try {
        body = scriptJson(h(m.slice(1), target.query));
      } catch (e) {
        // The record's own errors (a bad parameter, an unknown sweep or cell) are the request's fault.
        if (e instanceof BctError && (e.isInputError || e.code === 'store')) throw new HttpError(400, e.message);
        throw e;
      }
      return sendText(res, 200, 'application/json', body);
    }
    throw new HttpError(404, `no route ${target.pathname}`);
  };
  const srv = await startGuardedServer({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, route });
  return { url: srv.url, server: srv.server, close: srv.close };
}
