// Where a remote backend sends its requests and how it finds its key: the parts of a backend's config
// that every HTTP backend validates the same way. The API key itself is never part of a config: only the
// name of the environment variable that holds it, read at each request (`apiKeyFrom`), so the key never
// reaches the record, an error message or a log line.
import { ConfigError } from '../../errors.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Checks `value` (a spec arg) is the name of an environment variable; ConfigError naming `where`. */
export function checkEnvName(value: unknown, where: string): string {
  if (typeof value !== 'string' || !ENV_NAME.test(value)) {
    throw new ConfigError(`expected the name of an environment variable (letters, digits, _), got ${JSON.stringify(value)}`, where);
  }
  return value;
}

/** An http(s) URL without credentials, query or fragment, returned without its trailing slash. */
export function checkBaseUrl(text: string, where: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`expected an http:// or https:// URL, got ${JSON.stringify(text)}`, where);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`expected an http:// or https:// URL, got protocol ${url.protocol}`, where);
  // A user:password in the URL would be a secret in the record; the key travels in a header instead.
  if (url.username !== '' || url.password !== '') throw new ConfigError('the URL must not hold credentials; put the API key in the environment variable named by backend.apiKeyEnv', where);
  if (url.search !== '' || url.hash !== '') throw new ConfigError(`expected a server root without query or fragment, got ${JSON.stringify(text)}`, where);
  return url.href.replace(/\/+$/, '');
}

/** The API key, read now from the environment variable the config names; undefined when unset (servers
 *  such as SkyRL and vLLM without --api-key accept requests without one). */
export function apiKeyFrom(config: { apiKeyEnv: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env[config.apiKeyEnv];
  return key === undefined || key === '' ? undefined : key;
}
