/**
 * The freshness monitor's configuration: the app-list variables exactly as the sync reads them, plus
 * the bucket to look in and the topic to alert. Validated once; a bad value fails with its name.
 */
import { matching, trueOrFalse } from '../../common/settings/rules';
import { parseBucketName } from '../../common/settings/shared-settings';
import { readOptionalSetting, readSetting } from '../../common/settings/read-variables';
import { type ApiConfig, type Environment, readApiConfig, readConcurrency } from '../config';

/** The validated configuration of a freshness check. */
export interface FreshnessConfig extends ApiConfig {
  /** The backup bucket (`BACKOPPER_BUCKET`). */
  bucket: string;
  /** SNS topic for the alert (`BACKOPPER_ALERT_TOPIC_ARN`); undefined: report only (the CLI). */
  alertTopicArn: string | undefined;
  /** S3 listings in flight. */
  concurrency: number;
  /** The stack runs weekly drills (cdk.json `verify.enabled`, `BACKOPPER_DRILLS_ENABLED`): alert on failed and overdue ones. */
  drills: boolean;
}

/** `BACKOPPER_DRILLS_ENABLED`: the stack's `verify.enabled`, set by the freshness monitor construct. */
export const DRILLS_SETTING = {
  variable: 'BACKOPPER_DRILLS_ENABLED',
  kind: 'boolean',
  // Drills are on by default, so their alerts are too.
  fallback: true,
  parse: trueOrFalse,
} as const;

/** `BACKOPPER_BUCKET`, as the freshness monitor and the ops CLI read it. */
export const BUCKET_SETTING = { variable: 'BACKOPPER_BUCKET', kind: 'string', parse: parseBucketName } as const;
const TOPIC_SETTING = {
  variable: 'BACKOPPER_ALERT_TOPIC_ARN',
  kind: 'string',
  parse: matching(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN'),
} as const;

/** Reads and validates the configuration; throws ConfigError naming the variable. */
export function loadFreshnessConfig(
  env: Environment = process.env,
  options: { requireTopic?: boolean } = {},
): FreshnessConfig {
  return {
    ...readApiConfig(env),
    bucket: readSetting(env, BUCKET_SETTING),
    alertTopicArn: options.requireTopic ? readSetting(env, TOPIC_SETTING) : readOptionalSetting(env, TOPIC_SETTING),
    concurrency: readConcurrency(env),
    drills: readSetting(env, DRILLS_SETTING),
  };
}
