// Where a model folder named in a setting, a sweep or a backend spec lives on disk. On the ground floor
// because the settings (organisms), the backends (bases) and the server all resolve the same names.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
