import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppListFetchError } from '../../control/errors';
import { appListUrl, fetchAppList } from '../../control/fetch-app-list';
import { type AppListApi, startAppListApi } from '../fakes/app-list-api';

const secret = 's3cr3t-value';

describe('fetchAppList against a loopback API', () => {
  let api: AppListApi;
  let delays: number[];
  const fetchFor = (environment: string, extra: { secret?: string; retries?: number } = {}) =>
    fetchAppList({
      url: appListUrl(api.urlTemplate, environment),
      headerName: 'X-Secret-Key',
      secret: extra.secret ?? secret,
      timeoutMs: 300,
      retries: extra.retries ?? 2,
      sleep: async (ms) => void delays.push(ms),
    });
  const failureOf = async (promise: Promise<unknown>): Promise<AppListFetchError> => {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AppListFetchError);
    return error as AppListFetchError;
  };

  beforeEach(async () => {
    api = await startAppListApi({ secret });
    delays = [];
  });
  afterEach(async () => {
    await api.close();
  });

  it('sends the secret header and returns the array', async () => {
    api.setList('live', [{ name: 'shop' }]);
    await expect(fetchFor('live')).resolves.toEqual([{ name: 'shop' }]);
    expect(api.requests).toEqual([{ environment: 'live', authorized: true }]);
  });

  it('does not retry a wrong secret (401), and names the URL but never the secret', async () => {
    api.setList('live', []);
    const error = await failureOf(fetchFor('live', { secret: 'wrong-secret' }));
    expect(error).toMatchObject({ status: 401, attempts: 1 });
    expect(error.message).toBe(
      `app list ${api.urlTemplate.replace('{environment}', 'live')}: HTTP 401 "{\\"error\\":\\"unauthorized\\"}"`,
    );
    expect(error.message).not.toContain('wrong-secret');
  });

  it.each([500, 502, 429])('retries HTTP %i with doubling backoff, then fails', async (status) => {
    api.setBehaviour('live', { kind: 'raw', status, body: 'try later' });
    const error = await failureOf(fetchFor('live'));
    expect(error).toMatchObject({ status, attempts: 3 });
    expect(delays).toEqual([500, 1000]);
    expect(api.requests).toHaveLength(3);
  });

  it('retries a timeout and says how long it waited', async () => {
    api.setBehaviour('live', { kind: 'hang' });
    const error = await failureOf(fetchFor('live', { retries: 1 }));
    expect(error.message).toContain('no complete answer within 300 ms');
    expect(api.requests).toHaveLength(2);
  });

  it('retries a refused connection', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const error = await failureOf(
      fetchAppList({
        url: `http://127.0.0.1:${port}/backups/live`,
        headerName: 'X-Secret-Key',
        secret,
        timeoutMs: 300,
        retries: 1,
        sleep: async () => undefined,
      }),
    );
    expect(error.attempts).toBe(2);
    expect(error.message).toContain('request failed (');
  });

  it.each([
    [
      'HTML',
      { kind: 'raw', status: 200, body: '<html>login</html>', contentType: 'text/html' },
      'answered HTML, not JSON',
    ],
    [
      'HTML served as JSON',
      { kind: 'raw', status: 200, body: '  <!DOCTYPE html>', contentType: 'application/json' },
      'answered HTML, not JSON',
    ],
    ['truncated JSON', { kind: 'raw', status: 200, body: '[{"name":"sh' }, 'answered invalid JSON, perhaps truncated'],
    ['an empty body', { kind: 'raw', status: 200, body: '' }, 'answered invalid JSON'],
    ['an object', { kind: 'raw', status: 200, body: '{"apps":[]}' }, 'answered JSON that is not an array (got object)'],
    ['null', { kind: 'raw', status: 200, body: 'null' }, 'not an array (got null)'],
  ] as const)('refuses %s without retrying', async (_, behaviour, problem) => {
    api.setBehaviour('live', behaviour);
    const error = await failureOf(fetchFor('live'));
    expect(error.message).toContain(problem);
    expect(error.attempts).toBe(1);
  });

  it('redacts the secret when the API echoes it back', async () => {
    api.setBehaviour('live', { kind: 'raw', status: 400, body: `bad key ${secret}` });
    const error = await failureOf(fetchFor('live'));
    expect(error.message).toContain('bad key ***');
    expect(error.message).not.toContain(secret);
  });
});
