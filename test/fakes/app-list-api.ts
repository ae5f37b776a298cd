/**
 * A real HTTP app-list API on loopback (node:http, port 0): `GET /backups/<environment>` answers the
 * list set for that environment when the secret header is right, 401 otherwise. Each environment can
 * be told to misbehave: a status, HTML, a hang, a truncated body.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the API answers one environment. */
export type ApiBehaviour =
  | { kind: 'list'; entries: unknown[] }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  | { kind: 'hang' }
  /** Answers the first `count` requests with `first`, then with `then`. */
  | { kind: 'sequence'; first: ApiBehaviour; count: number; then: ApiBehaviour };

/** A request the API received. */
export interface ApiRequest {
  environment: string;
  authorized: boolean;
}

/** The running API. */
export interface AppListApi {
  /** URL template with `{environment}`, for BACKOPPER_API_URL. */
  urlTemplate: string;
  readonly requests: ApiRequest[];
  /** Serves `entries` for `environment`. */
  setList(environment: string, entries: unknown[]): void;
  /** Makes `environment` misbehave (or behave). */
  setBehaviour(environment: string, behaviour: ApiBehaviour): void;
  close(): Promise<void>;
}

/** Starts the API on 127.0.0.1 with a random port. */
export async function startAppListApi(options: { secret: string; header?: string }): Promise<AppListApi> {
  const header = (options.header ?? 'X-Secret-Key').toLowerCase();
  const behaviours = new Map<string, ApiBehaviour>();
  const served = new Map<string, number>();
  const requests: ApiRequest[] = [];

  const answer = (behaviour: ApiBehaviour, environment: string, response: ServerResponse): void => {
    switch (behaviour.kind) {
      case 'list':
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(behaviour.entries));
        return;
      case 'raw':
        response
          .writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'application/json' })
          .end(behaviour.body);
        return;
      case 'hang':
        return; // never answers; the client must time out
      case 'sequence': {
        const count = served.get(environment) ?? 0;
        served.set(environment, count + 1);
        answer(count < behaviour.count ? behaviour.first : behaviour.then, environment, response);
      }
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/backups\/([^/?]+)$/.exec(request.url ?? '');
    const environment = decodeURIComponent(match?.[1] ?? '');
    const authorized = request.headers[header] === options.secret;
    requests.push({ environment, authorized });
    if (request.method !== 'GET' || !match) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    } else if (!authorized) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    } else {
      answer(
        behaviours.get(environment) ?? { kind: 'raw', status: 404, body: '{"error":"unknown environment"}' },
        environment,
        response,
      );
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    urlTemplate: `http://127.0.0.1:${port}/backups/{environment}`,
    requests,
    setList: (environment, entries) => behaviours.set(environment, { kind: 'list', entries }),
    setBehaviour: (environment, behaviour) => {
      served.delete(environment);
      behaviours.set(environment, behaviour);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** `n` plausible app list entries: mixed frequencies, engines and project types. */
export function makeApps(count: number, prefix = 'site'): Record<string, string>[] {
  const frequencies = ['daily', 'daily', 'daily', 'weekly', 'hourly', 'monthly'];
  const engines = ['mysql', 'postgres', 'mariadb', 'postgresql', 'none'];
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}-${String(index).padStart(4, '0')}`,
    frequency: frequencies[index % frequencies.length] as string,
    db_engine: engines[index % engines.length] as string,
    project_type: index % 3 === 0 ? 'laravel' : 'wordpress',
  }));
}
