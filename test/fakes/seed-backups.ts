/**
 * Seeds a real S3 server (s3rver) with dumps as the agent names them: the unix timestamp is in the
 * key, so an "old" backup is just an old timestamp. Each dump gets its `.sha256` companion, as the
 * agent writes it, which listings must ignore.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** One dump to put: `hoursAgo` before `now`, `size` bytes. */
export interface SeedBackup {
  app: string;
  environment: string;
  hoursAgo: number;
  size: number;
  /** @default '.sql.gz' */
  extension?: '.sql.gz' | '.tar';
}

/** Puts the dumps (and their `.sha256` files); returns the keys of the dumps. */
export async function seedBackups(input: {
  client: S3Client;
  bucket: string;
  now: Date;
  backups: SeedBackup[];
}): Promise<string[]> {
  const keys: string[] = [];
  for (const backup of input.backups) {
    const timestamp = Math.floor(input.now.getTime() / 1000 - backup.hoursAgo * 3600);
    const key = `${backup.app}/${backup.environment}/backup_${timestamp}${backup.extension ?? '.sql.gz'}`;
    await input.client.send(
      new PutObjectCommand({ Bucket: input.bucket, Key: key, Body: Buffer.alloc(backup.size, 7) }),
    );
    const sum = `${'0'.repeat(64)}  backup_${timestamp}${backup.extension ?? '.sql.gz'}\n`;
    await input.client.send(new PutObjectCommand({ Bucket: input.bucket, Key: `${key}.sha256`, Body: sum }));
    keys.push(key);
  }
  return keys;
}
