import { cpus } from 'node:os';
import type { ActualSchedule, DesiredSchedule } from '../../control/sync/backends/types';
import { planScheduleChanges } from '../../control/sync/plan';
import { measureRunsPerNight, measureSyncCalls } from '../../test/fakes/measure-sync';
import type { Row } from '../table';

const APPS = 2000;
const ENVIRONMENTS = ['staging', 'acceptance', 'live'];

/** CPU seconds (user + system) of this process spent in `work`. */
async function cpuSecondsOf<T>(work: () => Promise<T> | T): Promise<{ result: T; cpuS: number; wallS: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, cpuS: (used.user + used.system) / 1e6, wallS: (performance.now() - started) / 1000 };
}

/** A definition shaped like a Scheduler CreateSchedule request (the planner compares these in canonical JSON). */
function definitionFor(environment: string, index: number): DesiredSchedule['definition'] {
  const app = `site-${index}`;
  return {
    Name: `backopper-${environment}-${app}`,
    Description: `backopper:v1 app=${app} environment=${environment}`,
    ScheduleExpression: `cron(${index % 60} ${1 + (index % 4)} * * ? *)`,
    ScheduleExpressionTimezone: 'Europe/Amsterdam',
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: 'ENABLED',
    Target: {
      Arn: 'arn:aws:scheduler:::aws-sdk:ssm:sendCommand',
      RoleArn: 'arn:aws:iam::123456789012:role/backopper-schedules',
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:backopper-dead-letters' },
      Input: JSON.stringify({
        DocumentName: 'Backopper-Backup',
        Targets: [{ Key: 'tag:backopper:environment', Values: [environment] }],
        Parameters: {
          app: [app],
          environment: [environment],
          engine: ['mysql'],
          projectType: ['wordpress'],
          executionTimeout: ['7200'],
        },
        TimeoutSeconds: 600,
        Comment: `backopper backup of ${app} (${environment})`,
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/backopper/commands' },
      }),
    },
  };
}

/** The planner alone: 2,000 desired vs 2,000 identical actual schedules (every one compared in full) per environment. */
async function measurePlanner(): Promise<{ cpuS: number; wallS: number }> {
  const inputs = ENVIRONMENTS.map((environment) => {
    const desired = Array.from(
      { length: APPS },
      (_, index) =>
        ({
          name: `backopper-${environment}-site-${index}`,
          app: `site-${index}`,
          definition: definitionFor(environment, index),
        }) as DesiredSchedule,
    );
    const actual: ActualSchedule[] = desired.map((item) => ({
      name: item.name,
      app: item.app,
      definition: structuredClone(item.definition),
    }));
    return { desired, actual };
  });
  const { cpuS, wallS } = await cpuSecondsOf(() => inputs.map((input) => planScheduleChanges(input)));
  return { cpuS, wallS };
}

/** Sync at scale against the stateful fakes: first run and converged run, per backend, plus the planner alone. */
export async function benchSync(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const backend of ['scheduler', 'rules'] as const) {
    const { result, cpuS } = await cpuSecondsOf(() =>
      measureSyncCalls({ backend, appsPerEnvironment: APPS, environments: ENVIRONMENTS }),
    );
    for (const [name, run] of [
      ['first run', result.first],
      ['converged run', result.converged],
    ] as const) {
      rows.push({
        case: `sync 3 × ${APPS} apps (${backend})`,
        variant: name,
        runs: 1,
        wallS: run.durationMs / 1000,
        note: `${run.writes} writes, ${run.reads} reads${name === 'first run' ? `; CPU of both runs incl. fakes ${cpuS.toFixed(1)} s` : ''}`,
      });
    }
  }
  const night = await measureRunsPerNight({ apps: 500, servers: 10 });
  rows.push({
    case: `runs per night, ${night.apps} apps on ${night.servers} servers`,
    variant: 'tag target (before)',
    runs: 1,
    note: `${night.invocationsByTag} invocations (instances reached by ${night.schedules} SendCommands)`,
  });
  rows.push({
    case: `runs per night, ${night.apps} apps on ${night.servers} servers`,
    variant: 'placement from inventory (after)',
    runs: 1,
    target: `≤ ${night.apps}`,
    pass: night.invocationsByPlacement <= night.apps && night.maxPerSchedule === 1,
    note: `${night.invocationsByPlacement} invocations, at most ${night.maxPerSchedule} per schedule`,
  });
  const planner = await measurePlanner();
  rows.push({
    case: `sync planner, 3 × ${APPS} apps`,
    variant: 'planScheduleChanges, all unchanged',
    runs: 1,
    wallS: planner.wallS,
    cpuS: planner.cpuS,
    target: '≪ 1 s CPU',
    pass: planner.cpuS < 0.5,
    note: `synthetic Scheduler-shaped definitions; ${cpus().length} cores`,
  });
  return rows;
}
