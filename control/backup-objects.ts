/**
 * The dumps of one app in the backup bucket, from listings only (ListObjectsV2 under
 * `<app>/<environment>/backup_`, every page): no object is downloaded or even HEAD-ed. The
 * `<key>.sha256` companions and anything else not named like a dump are ignored.
 */
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DUMP_OBJECT_PATTERN } from '../common/app-spec';

/** One dump in S3. */
export interface BackupObject {
  key: string;
  /** The run's unix timestamp (seconds), from the key. */
  timestamp: number;
  /** Bytes. */
  size: number;
}

/** The newest dumps of one app, newest first (at most two: enough to compare sizes). */
export interface NewestBackups {
  newest: BackupObject | undefined;
  previous: BackupObject | undefined;
  /** How many dumps the app has under the prefix. */
  count: number;
  /** Unix seconds of the oldest dump (set by {@link listNewestBackups}): how long the app has had backups. */
  oldest?: number;
}

/** Reads a listed key; undefined when it is not a dump of `<app>/<environment>` (a `.sha256`, a stray file). */
export function parseBackupKey(key: string, app: string, environment: string): number | undefined {
  const match = DUMP_OBJECT_PATTERN.exec(key);
  if (!match || match[1] !== app || match[2] !== environment) return undefined;
  return Number(match[3]);
}

/** Lists every page under the app's prefix and keeps the two newest dumps. */
export async function listNewestBackups(input: {
  client: S3Client;
  bucket: string;
  app: string;
  environment: string;
  /** Keys per page. @default S3's 1000 */
  pageSize?: number;
}): Promise<NewestBackups> {
  const found: NewestBackups = { newest: undefined, previous: undefined, count: 0 };
  const pages = paginateListObjectsV2(
    { client: input.client, pageSize: input.pageSize },
    { Bucket: input.bucket, Prefix: `${input.app}/${input.environment}/backup_` },
  );
  for await (const page of pages) {
    for (const item of page.Contents ?? []) {
      const timestamp = item.Key ? parseBackupKey(item.Key, input.app, input.environment) : undefined;
      if (timestamp === undefined) continue;
      found.count += 1;
      if (found.oldest === undefined || timestamp < found.oldest) found.oldest = timestamp;
      const object: BackupObject = { key: item.Key as string, timestamp, size: item.Size ?? 0 };
      if (!found.newest || timestamp > found.newest.timestamp) {
        found.previous = found.newest;
        found.newest = object;
      } else if (!found.previous || timestamp > found.previous.timestamp) {
        found.previous = object;
      }
    }
  }
  return found;
}
