/**
 * Turns failed backup commands into alerts a person can act on. SSM's status-change events arrive
 * through an SQS queue, batched for a few minutes (the event source's batching window), so a burst
 * (a database server that died at night) becomes one message per environment instead of one e-mail
 * per app. Each event names only the command, instance and status; the app and environment are the
 * command's parameters and the reason is in its output, so this looks both up (a lookup that fails
 * still alerts) and publishes to the alert topic with a subject that says what failed, where and why.
 * A command-level event (Cancelled, Undeliverable, TimedOut) alerts only when no server ever got an
 * invocation of it: otherwise the invocations' own events have said it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { createAwsClient } from '../../control/aws-clients';
import { RUN_STEP } from '../../common/names';
import { createLambdaLogger, type InvocationContext, type LambdaLogger } from '../../control/log';
import { findNewestGoodRun } from '../../control/run-records';
import { describeError } from '../../control/errors';
import { chatbotNotification } from './alert-text';
import { alertMessages, snsMessage } from './digest';
import {
  type BackupFailure,
  COMMAND_STATUS_DETAIL_TYPE,
  type CommandFacts,
  describeFailure,
  type InvocationStatusEvent,
  type NewestGood,
} from './failure';

export { COMMAND_STATUS_DETAIL_TYPE, NO_SERVER, describeFailure, firstReason, summarize } from './failure';
export type { BackupFailure, CommandFacts, InvocationStatusEvent } from './failure';

/** Clients and settings, injectable for tests. */
export interface DescribeFailureOptions {
  /** @default createAwsClient(SSMClient) */
  ssm?: SSMClient;
  /** @default createAwsClient(SNSClient) */
  sns?: SNSClient;
  /** @default process.env.BACKOPPER_ALERT_TOPIC_ARN */
  topicArn?: string;
  /** The document step whose output holds the run report. @default process.env.BACKOPPER_RUN_STEP ?? RUN_STEP */
  runStep?: string;
  /** @default Powertools' logger, service backopper-describe-failure */
  logger?: LambdaLogger;
  /** Reads the run records for each app's newest good backup. @default createAwsClient(S3Client) */
  s3?: S3Client;
  /** The backup bucket; unset: alerts do not name the newest good backup. @default process.env.BACKOPPER_BUCKET */
  bucket?: string;
  /** @default () => new Date() */
  now?: () => Date;
}

/** The SQS event the function receives (the queue the status events go to). */
export interface SqsBatch {
  Records: { messageId: string; body: string }[];
}

/** SQS partial batch response: the records to deliver again. */
export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Creates the Lambda handler: one published message per environment of the batch. */
export function createHandler(options: DescribeFailureOptions = {}) {
  const ssm = options.ssm ?? createAwsClient(SSMClient);
  const sns = options.sns ?? createAwsClient(SNSClient);
  const topicArn = options.topicArn ?? process.env.BACKOPPER_ALERT_TOPIC_ARN;
  const runStep = options.runStep ?? process.env.BACKOPPER_RUN_STEP ?? RUN_STEP;
  const logger = options.logger ?? createLambdaLogger('backopper-describe-failure');
  const bucket = options.bucket ?? process.env.BACKOPPER_BUCKET;
  const s3 = bucket ? (options.s3 ?? createAwsClient(S3Client)) : undefined;
  const now = options.now ?? (() => new Date());
  return async (batch: SqsBatch, context?: InvocationContext): Promise<BatchResult> => {
    if (context) logger.addContext(context);
    const extras = createExtras({ ssm, s3, bucket, now: now() });
    if (!topicArn) throw new Error('BACKOPPER_ALERT_TOPIC_ARN is not set: alerts cannot be published');
    const described: { messageId: string; failure: BackupFailure }[] = [];
    const retry = new Set<string>();
    for (const record of batch.Records) {
      let event: InvocationStatusEvent;
      try {
        event = JSON.parse(record.body) as InvocationStatusEvent;
        if (typeof event?.detail?.['command-id'] !== 'string') throw new Error('no detail.command-id');
      } catch (error) {
        // Not a status event: kept out of the alert, said loudly, never retried forever.
        logger.error('queue message is not an SSM status event; dropped', {
          messageId: record.messageId,
          error: (error as Error).message,
        });
        continue;
      }
      try {
        const failure = await describeEvent(ssm, event, runStep, extras);
        if (failure) described.push({ messageId: record.messageId, failure });
      } catch (error) {
        logger.error('could not look up the command; the message goes back to the queue', {
          messageId: record.messageId,
          error: (error as Error).message,
        });
        retry.add(record.messageId);
      }
    }
    // Every failure whole in the log: a digest that summarizes some of them points here.
    for (const { failure } of described) logger.info('failure', { ...failure });
    for (const message of alertMessages(described.map((entry) => entry.failure))) {
      const ids = described
        .filter((entry) => entry.failure.environment === message.environment)
        .map((entry) => entry.messageId);
      try {
        await sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: message.subject,
            // E-mail gets the text; AWS Chatbot (an https subscription) its custom-notification JSON.
            MessageStructure: 'json',
            Message: snsMessage(message, chatbotNotification(message)),
          }),
        );
        logger.info('alert published', {
          environment: message.environment,
          subject: message.subject,
          failures: ids.length,
        });
      } catch (error) {
        logger.error('could not publish the alert; its messages go back to the queue', {
          environment: message.environment,
          error: (error as Error).message,
        });
        for (const id of ids) retry.add(id);
      }
    }
    return { batchItemFailures: [...retry].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** The failure an event describes, or undefined for a command-level event whose invocations alert on their own. */
async function describeEvent(
  ssm: SSMClient,
  event: InvocationStatusEvent,
  runStep: string,
  extras: Extras,
): Promise<BackupFailure | undefined> {
  if (event['detail-type'] === COMMAND_STATUS_DETAIL_TYPE || !event.detail['instance-id']) {
    // Throws (and so retries) when it cannot tell: a silent drop could hide a backup that never ran.
    const invocations = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: event.detail['command-id'], MaxResults: 1 }),
    );
    if ((invocations.CommandInvocations ?? []).length > 0) return undefined;
    const facts = await lookUpCommand(ssm, event);
    return describeFailure(event, await withExtras(facts, event, extras));
  }
  return describeFailure(event, await withExtras(await lookUp(ssm, event, runStep), event, extras));
}

/** Lookups that add to an alert but never stop it: the server's name, the app's newest good backup. Cached per batch. */
interface Extras {
  computerName(instanceId: string): Promise<string | undefined>;
  newestGood(app: string, environment: string): Promise<NewestGood | undefined>;
}

function createExtras(input: {
  ssm: SSMClient;
  s3: S3Client | undefined;
  bucket: string | undefined;
  now: Date;
}): Extras {
  const names = new Map<string, Promise<string | undefined>>();
  const newest = new Map<string, Promise<NewestGood | undefined>>();
  return {
    computerName(instanceId) {
      const known =
        names.get(instanceId) ??
        input.ssm
          .send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }))
          .then((answer) => answer.InstanceInformationList?.[0]?.ComputerName || undefined)
          .catch(() => undefined);
      names.set(instanceId, known);
      return known;
    },
    newestGood(app, environment) {
      const { s3, bucket } = input;
      if (!s3 || !bucket) return Promise.resolve(undefined);
      const key = `${environment}/${app}`;
      const known =
        newest.get(key) ??
        findNewestGoodRun({ client: s3, bucket, app, environment }).then(
          ({ found, read }): NewestGood =>
            found
              ? {
                  kind: 'found',
                  at: new Date(found.record.timestamp * 1000).toISOString().replace(/\.000Z$/, 'Z'),
                  ageSeconds: Math.max(0, Math.round(input.now.getTime() / 1000 - found.record.timestamp)),
                }
              : { kind: 'none', runsRead: read },
          (error: unknown): NewestGood => ({
            kind: 'unknown',
            error: `run records unreadable: ${describeError(error)}`,
          }),
        );
      newest.set(key, known);
      return known;
    },
  };
}

async function withExtras(facts: CommandFacts, event: InvocationStatusEvent, extras: Extras): Promise<CommandFacts> {
  const app = facts.parameters?.app?.[0];
  const environment = facts.parameters?.environment?.[0];
  const instanceId = event.detail['instance-id'];
  const [computerName, newestGood] = await Promise.all([
    instanceId ? extras.computerName(instanceId) : undefined,
    app && environment ? extras.newestGood(app, environment) : undefined,
  ]);
  return { ...facts, ...(computerName ? { computerName } : {}), ...(newestGood ? { newestGood } : {}) };
}

async function lookUpCommand(ssm: SSMClient, event: InvocationStatusEvent): Promise<CommandFacts> {
  try {
    const listed = await ssm.send(new ListCommandsCommand({ CommandId: event.detail['command-id'] }));
    const command = listed.Commands?.[0];
    return { parameters: command?.Parameters, statusDetails: command?.StatusDetails };
  } catch (error) {
    return { lookupError: `ListCommands: ${(error as Error).message}` };
  }
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
