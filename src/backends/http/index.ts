// Public surface of src/backends/http/: what every HTTP backend (tinker/, openai/) shares, so retries,
// Retry-After, timeouts, the concurrency cap and the handling of API keys follow one set of rules.
export { apiKeyFrom, checkBaseUrl, checkEnvName } from './endpoint.js';
export {
  isRetryable,
  JsonHttp,
  retryAfterMs,
  retryDelayMs,
  serverMessage,
  sleep,
  type Attempt,
  type AttemptOptions,
  type CallOptions,
  type HttpReply,
  type HttpTarget,
  type HttpTiming,
} from './json-http.js';
export { Limiter } from './limiter.js';
