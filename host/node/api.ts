// The requests-style module API: request(url, options) and one helper per
// method, all served by one default Session (keep-alive pool, no cookies).
import { Session } from './session.js';
import type { RequestOptions } from './options.js';
import type { Response } from './response.js';

export const defaultSession = new Session();

/** Performs one request; resolves once the response head (and, unless stream: true, the body) has arrived. */
export const request = (url: string | URL, options?: RequestOptions): Promise<Response> => defaultSession.request(url, options);

// The Session's method helpers are bound to it already.
export const { get, head, post, put, patch, del } = defaultSession;
