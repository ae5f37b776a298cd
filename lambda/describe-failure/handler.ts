/**
 * Turns an SSM "command invocation status-change" event of a failed backup into a readable alert.
 * The event names only the command, instance and status; the app and environment are the command's
 * parameters and the reason is in its output, so this looks both up and puts one `Backup failed`
 * event on the default bus, which a rule formats into the e-mail. A lookup that fails still alerts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsClient } from '../shared/aws-clients';
import { lastJsonObject } from '../../common/run-report';
import { FAILURE_DETAIL_TYPE, FAILURE_EVENT_SOURCE, RUN_STEP } from '../../common/names';
import { createLambdaLogger, type InvocationContext, type LambdaLogger } from '../shared/log';

/** The fields of an `EC2 Command Invocation Status-change Notification` this uses. */
export interface InvocationStatusEvent {
  region: string;
  detail: { 'command-id': string; 'document-name'?: string; 'instance-id': string; status: string; 'requested-date-time'?: string };
}

/** What the alert says. */
export interface BackupFailure {
  /** `backup`, or `restore check` for the verify document. */
  task: string;
  app: string;
  environment: string;
  instance: string;
  status: string;
  commandId: string;
  requestedAt: string;
  summary: string;
  consoleUrl: string;
}

/** What the lookups found (any part may be missing). */
export interface CommandFacts {
  parameters?: Record<string, string[]>;
  stdout?: string;
  stderr?: string;
  statusDetails?: string;
  lookupError?: string;
}

const SUMMARY_LIMIT = 1500;

/** Builds the alert from the event and whatever the lookups found. Pure. */
export function describeFailure(event: InvocationStatusEvent, facts: CommandFacts): BackupFailure {
  const { detail } = event;
  const parameter = (name: string) => facts.parameters?.[name]?.[0] ?? 'unknown';
  return {
    task: /verify/i.test(detail['document-name'] ?? '') ? 'restore check' : 'backup',
    app: parameter('app'),
    environment: parameter('environment'),
    instance: detail['instance-id'],
    status: facts.statusDetails && facts.statusDetails !== detail.status ? `${detail.status} (${facts.statusDetails})` : detail.status,
    commandId: detail['command-id'],
    requestedAt: detail['requested-date-time'] ?? 'unknown',
    summary: summarize(facts),
    consoleUrl: `https://${event.region}.console.aws.amazon.com/systems-manager/run-command/${detail['command-id']}/${detail['instance-id']}?region=${event.region}`,
  };
}

/** The failed steps from the run report (the last JSON line of stdout), else the end of stderr. */
export function summarize(facts: CommandFacts): string {
  const report = lastJsonObject(facts.stdout ?? '');
  const steps = report?.steps;
  if (steps && typeof steps === 'object') {
    const failed = Object.entries(steps as Record<string, { status?: string; error?: string }>)
      .filter(([, step]) => step?.status === 'failed')
      .map(([name, step]) => `${name} failed: ${step.error ?? 'no details'}`);
    if (failed.length > 0) return clip(failed.join('\n'));
  }
  if (typeof report?.error === 'string') return clip(report.error);
  const stderr = (facts.stderr ?? '').trim();
  if (stderr) return clip(stderr.split('\n').slice(-10).join('\n'), true);
  if (facts.lookupError) return `The command's details could not be read: ${facts.lookupError}`;
  return 'No output was recorded: the server may be offline, or the SSM agent did not start the command.';
}

// The summary goes into a one-line message: newlines become " / ".
function clip(multiline: string, keepEnd = false): string {
  const text = multiline.replace(/\s*\n\s*/g, ' / ');
  if (text.length <= SUMMARY_LIMIT) return text;
  return keepEnd ? `...${text.slice(-SUMMARY_LIMIT)}` : `${text.slice(0, SUMMARY_LIMIT)}...`;
}

/** Clients and the run step's name, injectable for tests. */
export interface DescribeFailureOptions {
  /** @default createAwsClient(SSMClient) */
  ssm?: SSMClient;
  /** @default createAwsClient(EventBridgeClient) */
  events?: EventBridgeClient;
  /** The document step whose output holds the run report. @default process.env.BACKOPPER_RUN_STEP ?? RUN_STEP */
  runStep?: string;
  /** @default Powertools' logger, service backopper-describe-failure */
  logger?: LambdaLogger;
}

/** Creates the Lambda handler. */
export function createHandler(options: DescribeFailureOptions = {}) {
  const ssm = options.ssm ?? createAwsClient(SSMClient);
  const events = options.events ?? createAwsClient(EventBridgeClient);
  const runStep = options.runStep ?? process.env.BACKOPPER_RUN_STEP ?? RUN_STEP;
  const logger = options.logger ?? createLambdaLogger('backopper-describe-failure');
  return async (event: InvocationStatusEvent, context?: InvocationContext): Promise<BackupFailure> => {
    if (context) logger.addContext(context);
    const facts = await lookUp(ssm, event, runStep);
    const failure = describeFailure(event, facts);
    const result = await events.send(
      new PutEventsCommand({ Entries: [{ Source: FAILURE_EVENT_SOURCE, DetailType: FAILURE_DETAIL_TYPE, Detail: JSON.stringify(failure) }] }),
    );
    // A rejected entry must fail the invocation, so Lambda retries and the error alarm fires.
    if (result.FailedEntryCount) throw new Error(`PutEvents rejected the alert: ${result.Entries?.[0]?.ErrorMessage ?? 'unknown error'}`);
    logger.info('backup failure reported', { ...failure });
    return failure;
  };
}

async function lookUp(ssm: SSMClient, event: InvocationStatusEvent, runStep: string): Promise<CommandFacts> {
  const CommandId = event.detail['command-id'];
  const InstanceId = event.detail['instance-id'];
  const facts: CommandFacts = {};
  const problems: string[] = [];
  try {
    const listed = await ssm.send(new ListCommandsCommand({ CommandId }));
    facts.parameters = listed.Commands?.[0]?.Parameters;
  } catch (error) {
    problems.push(`ListCommands: ${(error as Error).message}`);
  }
  try {
    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId, PluginName: runStep }));
    facts.stdout = invocation.StandardOutputContent;
    facts.stderr = invocation.StandardErrorContent;
    facts.statusDetails = invocation.StatusDetails;
  } catch (error) {
    // An undeliverable command never ran its steps: there is no invocation output to read.
    problems.push(`GetCommandInvocation: ${(error as Error).message}`);
  }
  if (problems.length > 0) facts.lookupError = problems.join('; ');
  return facts;
}

export const handler = createHandler();
