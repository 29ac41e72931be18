/**
 * An https fetcher for `href` attachments whose code (and Node's https client under it) is loaded by the
 * first fetch: every transport makes one, and most never fetch anything.
 */
import type { HttpsFetcher, HttpsFetcherOptions } from './fetch.js';

export function lazyHttpsFetcher(options: HttpsFetcherOptions = {}): HttpsFetcher {
  let fetcher: Promise<HttpsFetcher> | undefined;
  return async (url, limits) => {
    fetcher ??= import('./fetch.js').then((m) => m.createHttpsFetcher(options));
    return (await fetcher)(url, limits);
  };
}
