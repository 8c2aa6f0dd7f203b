// The requests-style module API: request(url, options) and one helper per
// method, all served by one default Session (keep-alive pool, no cookies).
import { Session, type RequestOptions } from './session.js';
import type { Response } from './response.js';

export const defaultSession = new Session();

type MethodOptions = Omit<RequestOptions, 'method'>;

/** Performs one request; resolves once the response head (and, unless stream: true, the body) has arrived. */
export const request = (url: string | URL, options?: RequestOptions): Promise<Response> => defaultSession.request(url, options);
export const get = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'GET' });
export const head = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'HEAD' });
export const post = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'POST' });
export const put = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'PUT' });
export const patch = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'PATCH' });
export const del = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'DELETE' });
