// `bct view`: a local web app over the record, served by node:http on 127.0.0.1. JSON endpoints below; the
// page (viewer-page.ts) draws the curves itself and fetches answers a page at a time, so a record of
// 100,000 answers is never loaded whole. The analysis of a sweep is cached until the record changes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BctError, ConfigError } from '../errors.js';
import type { Db } from '../store/index.js';
import { analyzeSweep, type AnalysisOptions, type SweepAnalysis } from './analyze.js';
import { scriptJson } from './html.js';
import { cellSteps, listSweeps, promptAnswers, samplePage } from './record.js';
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
  const fingerprint = db.prepare(
    `SELECT (SELECT COUNT(*) FROM grades) || ':' || (SELECT IFNULL(MAX(id), 0) FROM grades) || ':' ||
            (SELECT COUNT(*) FROM metrics) || ':' || (SELECT group_concat(status) FROM sweeps) AS f`,
  );
  const cache = new Map<number, { key: string; analysis: SweepAnalysis }>();
  const analysis = (id: number): SweepAnalysis => {
    const key = (fingerprint.get() as { f: string }).f;
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
    [/^\/api\/sweeps$/, () => listSweeps(db)],
    [
      /^\/api\/sweeps\/(\d+)$/,
      ([id]) => {
        const a = analysis(int(id, 'sweep'));
        return {
          meta: a.meta,
          cells: a.cells.map((c) => ({ ...c, stepsList: cellSteps(db, c.id), crossing: a.cellCrossings.get(c.cellId)?.label ?? null })),
          groups: a.groups,
          steps: a.steps,
          lrPairs: a.lrPairs,
          curves: a.curves,
          threshold: a.threshold,
        };
      },
    ],
    [
      /^\/api\/cells\/(\d+)\/samples$/,
      ([id], q) => {
        const split = q.get('split') ?? 'eval';
        if (split !== 'eval' && split !== 'train') throw new ConfigError(`expected eval or train, got "${split}"`, 'split');
        return samplePage(db, {
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

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'only GET');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', viewerPage());
    for (const [re, h] of routes) {
      const m = re.exec(url.pathname);
      if (m === null) continue;
      try {
        return send(res, 200, 'application/json', scriptJson(h(m.slice(1), url.searchParams)));
      } catch (e) {
        const input = e instanceof BctError && (e.isInputError || e.code === 'store');
        return send(res, input ? 400 : 500, 'application/json', JSON.stringify({ error: (e as Error).message }));
      }
    }
    send(res, 404, 'application/json', JSON.stringify({ error: `no route ${url.pathname}` }));
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
