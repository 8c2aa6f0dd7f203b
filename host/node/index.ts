// microhttps: an HTTPS client whose HTTP/1.1 and TLS 1.2 run in one
// memory-bounded WebAssembly core (AssemblyScript over BearSSL).
export { request, get, head, post, put, patch, del, defaultSession } from './api.js';
export { Session } from './session.js';
export type { RequestOptions, SessionOptions, ConnectionSettings, Timeouts, Limits } from './options.js';
export { fetch, type FetchInit } from './fetch.js';
export { Response, HTTPError, type TlsInfo, type ResponseTimings } from './response.js';
export { Headers } from './headers.js';
export { MicroHttpsError, type ErrorCodeName } from './errors.js';
export { Connection, type ConnectionOptions } from './connection.js';
export { RateLimiter, type Clock, type RateLimit } from './rateLimiter.js';
export { ErrorCodes, limitSpecs } from './generated/spec.js';
export { clearSessions } from './sessions.js';
