/**
 * Red team (issue 22): the PostgreSQL drill restores the app's dump as the server's `postgres` superuser
 * (or the admin URL's role). The dump is the app's: code its (unprivileged) owner wrote runs during the
 * restore (a materialized view is refreshed, calling the app's function). Run as the superuser, that code
 * may do what the app's role may not: here `COPY ... TO PROGRAM`, a shell command on the database server.
 */
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupArgs, runAgent } from '../services/agent';
import {
  type PostgresCluster,
  type PostgresDatabase,
  seedLaravelSchema,
  startPostgresCluster,
} from '../services/postgres';
import { type LocalS3, startS3 } from '../services/s3';
import { writeLaravelApp } from '../services/sample-app';
import { createWorkspace, type Workspace } from '../services/workspace';

describe("a PostgreSQL drill never runs the app's code with the superuser's rights", () => {
  let ws: Workspace;
  let s3: LocalS3;
  let cluster: PostgresCluster;
  let pg: PostgresDatabase;
  let env: Record<string, string>;
  const marker = `/tmp/backopper-rt22-superuser-${process.pid}`;

  beforeAll(async () => {
    [ws, s3, cluster] = await Promise.all([createWorkspace(), startS3(), startPostgresCluster()]);
    pg = await cluster.createDatabase();
    await seedLaravelSchema(cluster, pg, 10);
    // An extension a superuser made for the app (with its comment), used by the app's table.
    await cluster.psql('CREATE EXTENSION pgcrypto', pg.database);
    await cluster.psql(
      `SET ROLE ${pg.user}; CREATE TABLE public.tokens (id int, digest bytea DEFAULT public.digest('x', 'sha256')); INSERT INTO public.tokens (id) VALUES (1);`,
      pg.database,
    );
    // The app's own role writes a function that does nothing for it, and a shell command for a superuser.
    await cluster.psql(
      `SET ROLE ${pg.user};
       CREATE FUNCTION public.stats() RETURNS int LANGUAGE plpgsql AS $f$
       BEGIN
         IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
           EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${marker}''';
         END IF;
         RETURN 1;
       END $f$;
       CREATE MATERIALIZED VIEW public.app_stats AS SELECT public.stats() AS n;`,
      pg.database,
    );
    writeLaravelApp(ws.appsDir, 'larapriv', pg);
    env = { ...ws.env, ...s3.env, BACKOPPER_BUCKET: s3.bucket, BACKOPPER_MEDIA_HOST: '' };
    const run = await runAgent(backupArgs('larapriv', 'postgres', 'laravel'), env);
    if (run.exitCode !== 0) throw new Error(run.stdout);
  }, 120_000);
  afterAll(async () => {
    rmSync(marker, { force: true });
    await Promise.all([ws?.remove(), cluster?.stop()]);
    await s3?.stop();
  });

  it('restores the dump with rights no greater than the app role had: the shell command never runs', async () => {
    rmSync(marker, { force: true });
    const drill = await runAgent(['drill', '--app', 'larapriv', '--environment', 'live'], {
      ...env,
      BACKOPPER_DRILL_ADMIN_URL: `postgres://postgres@localhost:${cluster.port}/?socket=${encodeURIComponent(cluster.socketDir)}`,
    });
    expect(existsSync(marker)).toBe(false);
    expect(drill.report.error).toBeUndefined();
    expect(drill.report.status).toBe('passed');
    expect(drill.exitCode).toBe(0);
    // Neither the scratch database nor its restore role stays.
    expect(
      (
        await cluster.psql(
          "SELECT (SELECT count(*) FROM pg_database WHERE datname LIKE 'bkdrill%') + (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'bkdrill%')",
        )
      ).trim(),
    ).toBe('0');
  });
});
