/**
 * The freshness monitor Lambda, run daily: for every app in the app list, is its newest dump in S3
 * recent enough for its frequency, and not much smaller than the one before? Every problem goes into
 * ONE message on the alert topic; counts go to CloudWatch as an Embedded Metric Format log line. An
 * unreachable API or bucket is a problem too (alerted, and the invocation fails so the error alarm
 * fires): silence never means "all fresh".
 */
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { appMetricLines } from './app-metrics';
import { emailAndChatbotMessage } from '../../control/chatbot-notification';
import { createAwsClient } from '../../control/aws-clients';
import type { Environment } from '../../control/config';
import { describeError } from '../../control/errors';
import { loadFreshnessConfig } from '../../control/freshness/config';
import { type FreshnessReport, formatFreshnessAlert, freshnessMetricLine } from './report';
import { type FreshnessDependencies, runFreshnessCheck } from './run-freshness';
import { createLambdaLogger, type InvocationContext, type LambdaLogger, type Logger } from '../../control/log';

/** Thrown after alerting when the check could not look at everything (or the alert could not be sent). */
export class FreshnessCheckError extends Error {
  override name = 'FreshnessCheckError';
}

/** Dependencies of the handler; each defaults to the real thing. */
export interface FreshnessHandlerDependencies extends Partial<FreshnessDependencies> {
  sns?: SNSClient;
  /** @default process.env */
  env?: Environment;
  /** Where the metric line goes. @default console.log */
  writeMetric?: (line: string) => void;
}

/** Builds the handler; clients are created once per container. */
export function createFreshnessHandler(
  deps: FreshnessHandlerDependencies = {},
): (event?: unknown, context?: InvocationContext) => Promise<FreshnessReport> {
  const s3 = deps.s3 ?? createAwsClient(S3Client);
  const ssm = deps.ssm ?? createAwsClient(SSMClient);
  const sns = deps.sns ?? createAwsClient(SNSClient);
  const lambdaLogger: LambdaLogger | undefined = deps.logger ? undefined : createLambdaLogger('backopper-freshness');
  const logger: Logger = deps.logger ?? (lambdaLogger as LambdaLogger);
  const writeMetric = deps.writeMetric ?? ((line: string) => console.log(line));
  return async (_event?: unknown, context?: InvocationContext) => {
    if (context) lambdaLogger?.addContext(context);
    const config = loadFreshnessConfig(deps.env ?? process.env, { requireTopic: true });
    const report = await runFreshnessCheck(config, { ...deps, s3, ssm, logger });
    writeMetric(freshnessMetricLine(report));
    for (const line of appMetricLines(report)) writeMetric(line);
    logger.info('freshness checked', { ok: report.ok, ...report.counts });
    const alert = formatFreshnessAlert(report);
    if (alert) {
      try {
        await sns.send(
          new PublishCommand({
            TopicArn: config.alertTopicArn,
            Subject: alert.subject,
            // E-mail gets the text; AWS Chatbot (https) a custom notification, which it shows (plain text it ignores).
            MessageStructure: 'json',
            Message: emailAndChatbotMessage({ subject: alert.subject, text: alert.message }),
          }),
        );
      } catch (error) {
        logger.error('could not publish the freshness alert', { error: describeError(error), alert: alert.message });
        throw new FreshnessCheckError(`could not publish the freshness alert: ${describeError(error)}`, {
          cause: error,
        });
      }
      logger.warn('freshness alert sent', { subject: alert.subject });
    }
    if (report.counts.errors > 0) {
      throw new FreshnessCheckError(
        `freshness check incomplete: ${report.counts.errors} error(s), see the alert and the log`,
      );
    }
    return report;
  };
}

/** The Lambda entry point (`lambda/freshness.ts`, handler `handler`). */
export const handler = createFreshnessHandler();
