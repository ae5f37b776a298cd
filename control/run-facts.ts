/**
 * The facts the oversight (freshness monitor, `backopper status`) takes from an app's newest run
 * records: its media archives for the freshness verdict, and why its newest run failed. One read per
 * app: a listing of `<app>/<environment>/runs/` and the newest few records.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { NewestBackups } from './backup-objects';
import { lastRunProblem, mediaExpected, newestMedia, type RunProblem } from './recorded-backups';
import { readRunRecords, type RunRecords } from './run-records';

/** How many records the oversight reads per app: enough to find a success behind a week of failures. */
export const OVERSIGHT_RUNS = 10;

/** What the newest run records say. */
export interface RunFacts {
  /** Some run tried a media transfer: media is configured for the app. */
  mediaExpected: boolean;
  /** The two newest successful transfers (`key` is `host:path`). */
  media: NewestBackups;
  /** The newest run that ran, when it failed. */
  problem: RunProblem | undefined;
  /** The newest run that ran: when, and how it ended. */
  newestRun: { timestamp: number; status: string; host: string } | undefined;
  /** Records read, and how many exist. */
  read: number;
  total: number;
  /** Records that could not be read: key and reason. */
  unreadable: RunRecords['unreadable'];
  /** Each run read (newest first; skipped runs left out): when, how it ended, and its steps' total seconds. */
  runs: { timestamp: number; status: string; seconds: number }[];
}

/** Pure: the facts of records as {@link readRunRecords} returns them. */
export function toRunFacts(found: RunRecords): RunFacts {
  const newest = found.records.find(({ record }) => record.status !== 'skipped')?.record;
  return {
    mediaExpected: mediaExpected(found.records),
    media: newestMedia(found.records),
    problem: lastRunProblem(found.records),
    newestRun: newest && { timestamp: newest.timestamp, status: newest.status, host: newest.host },
    read: found.records.length,
    total: found.total,
    unreadable: found.unreadable,
    runs: found.records
      .filter(({ record }) => record.status !== 'skipped')
      .map(({ record }) => ({
        timestamp: record.timestamp,
        status: record.status,
        seconds: Object.values(record.steps).reduce((sum, step) => sum + (step?.durationMs ?? 0), 0) / 1000,
      })),
  };
}

/** Reads the newest {@link OVERSIGHT_RUNS} records of one app and sums them up. */
export async function readRunFacts(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  limit?: number;
}): Promise<RunFacts> {
  return toRunFacts(await readRunRecords({ ...input, limit: input.limit ?? OVERSIGHT_RUNS }));
}
