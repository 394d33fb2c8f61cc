// Public surface of src/http: the request guards shared by every bctlab server (`bct serve`, `bct view`).
export { HttpError, quoteShort } from './http-error.js';
export { MAX_TARGET_LENGTH, parseRequestTarget, type RequestTarget } from './request-target.js';
export { allowedHosts, checkHost, checkOrigin, tokenChecker } from './guards.js';
export { checkJsonContentType, parseJsonStrict, readBody, readJson } from './body.js';
export { errorReply, sendError, sendJson, sendText } from './reply.js';
export { DEFAULT_LIMITS, startGuardedServer, type GuardedServer, type GuardedServerOptions, type Route, type ServerLimits } from './server.js';
