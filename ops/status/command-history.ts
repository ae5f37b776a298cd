/**
 * The SSM command history of the backup document: the newest command per (environment, app), and how
 * it went on each server. ListCommands has no filter by parameter, so the document's history is paged
 * newest first (SSM's order) back to a cut-off, stopping as soon as every wanted app has been seen.
 */
import {
  type Command,
  type CommandInvocation,
  paginateListCommandInvocations,
  paginateListCommands,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { findStepReport } from '../../common/run-report';
import { CHECK_STEP, RUN_STEP } from '../../common/names';

/** The step of the backup document whose last stdout line is the agent's JSON run report. */

/** How one server ran a command. */
export interface InstanceRun {
  instanceId: string;
  /** SSM's status: Success, Failed, TimedOut, Cancelled, InProgress... */
  status: string;
  /** The agent report's `status` (succeeded, failed, skipped, invalid), when its output shows it. */
  reportStatus?: string;
  /** Why the run failed, from the report: its error, or the first failed step's (`database: mysqldump ...`). */
  reason?: string;
  /** The agent version and bundle hash that ran, from the report (agents before 0.1.0 do not say). */
  agentVersion?: string;
  bundleSha256?: string;
  /** The document step whose output held the report (the run step, or the check step on a server without the app). */
  reportStep?: string;
}

/** The newest command of one app. */
export interface CommandRun {
  commandId: string;
  requestedAt: Date;
  /** SSM's overall status of the command. */
  status: string;
  targetCount: number;
  instances: InstanceRun[];
}

/** `live/shop`: the key of an app in the maps below. */
export function appKey(environment: string, app: string): string {
  return `${environment}/${app}`;
}

const COMMENT = /^backopper (?:backup|verify) of (\S+) \((\S+)\)$/;

/** The app a command was for: its `app`/`environment` parameters, else the comment the schedules write. */
export function identifyCommand(
  command: Pick<Command, 'Parameters' | 'Comment'>,
): { app: string; environment: string } | undefined {
  const app = command.Parameters?.app?.[0];
  const environment = command.Parameters?.environment?.[0];
  if (app && environment) return { app, environment };
  const match = COMMENT.exec(command.Comment ?? '');
  return match ? { app: match[1] as string, environment: match[2] as string } : undefined;
}

/** Pages the document's history newest first back to `since`; returns the newest command per wanted app. */
export async function findLatestCommands(input: {
  ssm: SSMClient;
  documentName: string;
  wanted: ReadonlySet<string>;
  since: Date;
}): Promise<{ latest: Map<string, Command>; pages: number }> {
  const latest = new Map<string, Command>();
  let pages = 0;
  const history = paginateListCommands(
    { client: input.ssm, pageSize: 50 },
    {
      Filters: [
        { key: 'DocumentName', value: input.documentName },
        { key: 'InvokedAfter', value: input.since.toISOString() },
      ],
    },
  );
  for await (const page of history) {
    pages += 1;
    for (const command of page.Commands ?? []) {
      const found = identifyCommand(command);
      if (!found) continue;
      const key = appKey(found.environment, found.app);
      const known = latest.get(key);
      if (!input.wanted.has(key)) continue;
      if (!known || (command.RequestedDateTime?.getTime() ?? 0) > (known.RequestedDateTime?.getTime() ?? 0))
        latest.set(key, command);
    }
    // Every wanted app seen: older pages cannot hold a newer command of any of them.
    if (latest.size >= input.wanted.size) break;
  }
  return { latest, pages };
}

/** Each server's status of one command, with the agent report's status where the output shows it. */
export async function readInstanceRuns(input: { ssm: SSMClient; commandId: string }): Promise<InstanceRun[]> {
  const runs: InstanceRun[] = [];
  const pages = paginateListCommandInvocations(
    { client: input.ssm, pageSize: 50 },
    { CommandId: input.commandId, Details: true },
  );
  for await (const page of pages)
    for (const invocation of page.CommandInvocations ?? []) runs.push(toInstanceRun(invocation));
  return runs.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

function toInstanceRun(invocation: CommandInvocation): InstanceRun {
  // A server without the app ends the document at its first step, which prints the skipped report; SSM
  // then gives the later steps its own skip message as Output, so each step is read for what it holds.
  const outputOf = (step: string) => invocation.CommandPlugins?.find((plugin) => plugin.Name === step)?.Output ?? '';
  // Details show the first 2,500 characters: a skipped run's short output fits; a long run's report may not.
  const found = findStepReport([RUN_STEP, CHECK_STEP].map((step) => ({ step, output: outputOf(step) })));
  const report = found?.report;
  const reportStatus = report?.status;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const reason = report ? failureReason(report) : undefined;
  const agentVersion = text(report?.agentVersion);
  const bundleSha256 = text(report?.bundleSha256);
  return {
    instanceId: invocation.InstanceId ?? 'unknown',
    status: invocation.Status ?? 'unknown',
    ...(typeof reportStatus === 'string' ? { reportStatus } : {}),
    ...(reason ? { reason } : {}),
    ...(agentVersion ? { agentVersion } : {}),
    ...(bundleSha256 ? { bundleSha256 } : {}),
    ...(found ? { reportStep: found.step } : {}),
  };
}

/** A failed report's reason: the first failed step's error, else the report's error. Pure. */
export function failureReason(report: Record<string, unknown>): string | undefined {
  if (report.status !== 'failed' && report.status !== 'invalid') return undefined;
  const steps =
    typeof report.steps === 'object' && report.steps !== null
      ? (report.steps as Record<string, { status?: unknown; error?: unknown }>)
      : {};
  for (const [name, step] of Object.entries(steps)) {
    if (step?.status === 'failed' && typeof step.error === 'string') return `${name}: ${step.error}`;
  }
  return typeof report.error === 'string' ? report.error : 'failed (the report names no error)';
}

/** Turns a listed command and its invocations into a {@link CommandRun}. */
export function toCommandRun(command: Command, instances: InstanceRun[]): CommandRun {
  return {
    commandId: command.CommandId ?? 'unknown',
    requestedAt: command.RequestedDateTime ?? new Date(0),
    status: command.Status ?? 'unknown',
    targetCount: command.TargetCount ?? instances.length,
    instances,
  };
}
