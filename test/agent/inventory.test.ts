/**
 * `backopper-agent inventory` (the built bundle, as servers run it) lists the app folders with a `.env`
 * and writes SSM custom inventory; the file, stored as the SSM agent reports it, places the app's
 * schedule on this server.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgent } from '../services/agent';
import { createWorkspace, type Workspace } from '../services/workspace';
import { makeApps } from '../fakes/app-list-api';
import { createSyncWorld } from '../fakes/sync-world';

describe('backopper-agent inventory', () => {
  let ws: Workspace;

  beforeEach(async () => {
    ws = await createWorkspace();
    for (const app of ['shop-0001', 'blog', '.hidden', 'no-env']) mkdirSync(join(ws.appsDir, app));
    for (const app of ['shop-0001', 'blog', '.hidden']) writeFileSync(join(ws.appsDir, app, '.env'), 'DB_NAME=x\n');
    mkdirSync(join(ws.appsDir, 'env-is-a-folder', '.env'), { recursive: true });
    writeFileSync(join(ws.appsDir, 'notes.txt'), 'not an app');
  });
  afterEach(async () => {
    await ws.remove();
  });

  it('writes Custom:BackopperApps with the app folders that have a .env file', async () => {
    const file = join(ws.root, 'ssm', 'i-0123456789abcdef0', 'inventory', 'custom', 'BackopperApps.json');
    const run = await runAgent(['inventory', '--environment', 'live', '--inventory-file', file], ws.env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report).toEqual({
      status: 'succeeded',
      environment: 'live',
      apps: ['blog', 'shop-0001'],
      file,
      agentVersion: expect.any(String),
      bundleSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({
      SchemaVersion: '1.0',
      TypeName: 'Custom:BackopperApps',
      Content: [
        { App: 'blog', Environment: 'live' },
        { App: 'shop-0001', Environment: 'live' },
      ],
    });
    expect(written.CaptureTime).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // As the SSM agent reports it: the sync now sends shop-0001's backup to this server only.
    const world = await createSyncWorld({ backend: 'scheduler', environments: ['live'] });
    try {
      world.api.setList('live', makeApps(2, 'shop'));
      world.ssm.inventory.put('i-0123456789abcdef0', {
        ...written,
        CaptureTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      // The server runs the SSM agent: SSM lists it Online (the sync targets no other).
      world.ssm.manage('i-0123456789abcdef0');
      await world.sync({ now: new Date() });
      expect(world.targetsOf('backopper-live-shop-0001')).toEqual([
        { Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] },
      ]);
      expect(world.targetsOf('backopper-live-shop-0000')?.[0]?.Key).toBe('tag:backopper:environment');
    } finally {
      await world.close();
    }
  });

  it('refuses to guess where to write outside SSM (no AWS_SSM_INSTANCE_ID): exit 2', async () => {
    const run = await runAgent(['inventory', '--environment', 'live'], ws.env);
    expect(run.exitCode).toBe(2);
    expect(run.report).toMatchObject({ status: 'invalid' });
    expect(run.stderr).toContain('AWS_SSM_INSTANCE_ID');
  });

  it('fails loudly when the apps folder cannot be listed: exit 1, nothing written', async () => {
    const file = join(ws.root, 'out.json');
    const run = await runAgent(
      ['inventory', '--environment', 'live', '--inventory-file', file, '--apps-dir', join(ws.root, 'missing')],
      ws.env,
    );
    expect(run.exitCode).toBe(1);
    expect(run.report).toMatchObject({ status: 'failed' });
    expect(run.report.error).toContain('cannot list the apps folder');
    expect(() => readFileSync(file)).toThrow();
  });
});
