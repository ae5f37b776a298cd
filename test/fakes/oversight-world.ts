/**
 * The world of `backopper status` and `backopper run`: a sync world whose schedules were made by a
 * real sync run, the stateful Run Command fake (with servers tagged per environment) writing the
 * commands' output to the CloudWatch Logs fake (the stack's command log group), and s3rver.
 */
import type { CliDependencies } from '../../ops/commands/types';
import { DOCUMENT_PARAMETER_PATTERNS } from '../../infra/constructs/backup-document';
import { RESTORE_MEDIA_DOCUMENT_NAME, RESTORE_MEDIA_PARAMETER_PATTERNS } from '../../common/names';
import { type LocalS3, startS3 } from '../services/s3';
import { FakeCloudWatchLogs } from './fake-cloudwatch-logs';
import { agentOutput, FakeRunCommand, type InvocationOutcome } from './fake-run-command';
import { createSyncWorld, type SyncWorld, WORLD_NOW } from './sync-world';

/** A skipped run's output, as the agent prints it with --skip-absent. */
export function skippedOutcome(app: string, environment = 'live'): InvocationOutcome {
  return {
    status: 'Success',
    responseCode: 0,
    stdout: agentOutput({
      app,
      environment,
      status: 'skipped',
      error: `${app} is not on this server (no /srv/users/serverpilot/apps/${app})`,
      steps: {},
    }),
  };
}

/** A server without the app, as the document's first step ends it: its skipped report, no download, no agent. */
export function checkSkippedOutcome(app: string, environment = 'live'): InvocationOutcome {
  return {
    status: 'Success',
    responseCode: 0,
    endedAt: 'check',
    stdout: `backopper: skipped: ${app} is not on this server\n${JSON.stringify({ app, environment, status: 'skipped', error: `${app} is not on this server` })}\n`,
  };
}

/** A successful run's output with a database and an upload step. */
export function succeededOutcome(app: string, environment = 'live', bytes = 138_260): InvocationOutcome {
  const key = `${app}/${environment}/backup_1736942400.sql.gz`;
  return {
    status: 'Success',
    responseCode: 0,
    stdout: agentOutput({
      app,
      environment,
      status: 'succeeded',
      steps: {
        database: { status: 'succeeded', bytes },
        upload: { status: 'succeeded', bytes, key },
        media: { status: 'skipped', reason: 'no media server configured' },
      },
    }),
  };
}

/** A failed run's output (exit 1). */
export function failedOutcome(app: string, environment = 'live'): InvocationOutcome {
  const error = "mysqldump exited with status 2: Access denied for user 'shop'@'localhost'";
  return {
    status: 'Failed',
    responseCode: 1,
    stdout: agentOutput({
      app,
      environment,
      status: 'failed',
      steps: { database: { status: 'failed', error }, upload: { status: 'skipped' } },
    }),
    stderr: `backopper: agent exited with status 1`,
  };
}

/** Builds the world; `close()` when done. */
export async function createOversightWorld(options: {
  backend: 'scheduler' | 'rules';
  pageSize?: number;
  withS3?: boolean;
}) {
  const world: SyncWorld = await createSyncWorld({ backend: options.backend, environments: ['staging', 'live'] });
  const ssm = new FakeRunCommand({
    documents: {
      'Backopper-Backup': DOCUMENT_PARAMETER_PATTERNS,
      'Backopper-Verify': {
        app: DOCUMENT_PARAMETER_PATTERNS.app,
        environment: DOCUMENT_PARAMETER_PATTERNS.environment,
        executionTimeout: DOCUMENT_PARAMETER_PATTERNS.executionTimeout,
      },
      [RESTORE_MEDIA_DOCUMENT_NAME]: {
        app: DOCUMENT_PARAMETER_PATTERNS.app,
        environment: DOCUMENT_PARAMETER_PATTERNS.environment,
        ...RESTORE_MEDIA_PARAMETER_PATTERNS,
      },
    },
    pageSize: options.pageSize,
    now: () => WORLD_NOW,
  });
  ssm.put('/backopper/api-secret', world.secret);
  const logs = new FakeCloudWatchLogs().createLogGroup(world.env.BACKOPPER_COMMAND_LOG_GROUP as string);
  ssm.logs = logs;
  for (const [id, environment] of [
    ['i-web1', 'live'],
    ['i-web2', 'live'],
    ['i-stage1', 'staging'],
  ] as const) {
    ssm.addInstance(id, { 'backopper:environment': environment });
  }
  const s3: LocalS3 | undefined = options.withS3 === false ? undefined : await startS3('oversight-test');
  const env: Record<string, string> = {
    AWS_REGION: 'eu-west-1',
    BACKOPPER_ENVIRONMENTS: world.env.BACKOPPER_ENVIRONMENTS as string,
    BACKOPPER_SCHEDULE_BACKEND: options.backend,
    ...(s3 ? { BACKOPPER_BUCKET: s3.bucket } : {}),
  };
  return {
    world,
    ssm,
    logs,
    s3,
    env,
    /** Syncs the schedules of the app lists set on `world.api`, then routes SSM to the Run Command fake. */
    async syncThenInstall(): Promise<void> {
      const outcome = await world.sync();
      if (!outcome.ok) throw new Error(`sync failed: ${JSON.stringify(outcome.summary)}`);
      ssm.install();
      logs.install();
    },
    /** CLI dependencies: the fakes, s3rver, a fixed clock. */
    deps(extra: Partial<CliDependencies> = {}): CliDependencies {
      return { ...world.deps(), logger: undefined, s3: s3?.client, ...extra };
    },
    async close(): Promise<void> {
      ssm.restore();
      logs.restore();
      await world.close();
      await s3?.stop();
    },
  };
}

/** The world, as {@link createOversightWorld} returns it. */
export type OversightWorld = Awaited<ReturnType<typeof createOversightWorld>>;
