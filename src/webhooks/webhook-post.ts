import http from 'node:http';
import https from 'node:https';
import { pinnedLookup, type ResolvedTarget } from './webhook-target.js';

/**
 * POSTs `body` to a resolved target, connecting to the address that was checked (see
 * `pinnedLookup`); resolves with the status code once it is known, rejects on a network error or
 * past `timeoutMs`. Redirects are not followed: a 3xx is a status like any other not 2xx.
 */
export function post(target: ResolvedTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const request = target.url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'saga-orchestrator-webhooks/1' },
        lookup: pinnedLookup(target),
        signal: AbortSignal.timeout(timeoutMs),
        agent: false, // a connection per attempt: nothing pooled outlives the check of its address
      },
      (res) => {
        res.resume(); // the answer's body is not read, only drained
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`no answer within ${timeoutMs} ms`) : error));
    req.end(body);
  });
}
