/**
 * The freshness monitor's configuration: the app-list variables exactly as the sync reads them, plus
 * the bucket to look in and the topic to alert. Validated once; a bad value fails with its name.
 */
import { type ApiConfig, createReader, type Environment, readApiConfig } from '../shared/config';

/** The validated configuration of a freshness check. */
export interface FreshnessConfig extends ApiConfig {
  /** The backup bucket (`BACKOPPER_BUCKET`). */
  bucket: string;
  /** SNS topic for the alert (`BACKOPPER_ALERT_TOPIC_ARN`); undefined: report only (the CLI). */
  alertTopicArn: string | undefined;
  /** S3 listings in flight. */
  concurrency: number;
}

/** S3 bucket names: 3-63 lower-case letters, digits, `.` and `-`. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads and validates the configuration; throws ConfigError naming the variable. */
export function loadFreshnessConfig(env: Environment = process.env, options: { requireTopic?: boolean } = {}): FreshnessConfig {
  const read = createReader(env);
  const topic = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
  return {
    ...readApiConfig(read),
    bucket: read.required('BACKOPPER_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    alertTopicArn: options.requireTopic
      ? read.required('BACKOPPER_ALERT_TOPIC_ARN', topic, 'an SNS topic ARN')
      : read.optional('BACKOPPER_ALERT_TOPIC_ARN', topic, 'an SNS topic ARN'),
    concurrency: read.integer('BACKOPPER_CONCURRENCY', 8, 1, 50),
  };
}
