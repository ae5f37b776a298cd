/**
 * A stateful ListObjectsV2 fake on one S3Client instance, for pagination only: s3rver cannot return a
 * truncated ListObjectsV2 page on Node >= 17 (its continuation token is DES-encrypted, which OpenSSL 3
 * dropped), so paging is exercised here, with S3's rules: keys in UTF-8 order, at most MaxKeys (1000)
 * per page, an opaque NextContinuationToken only when truncated. The fake answers at the SDK's
 * deserialize step, so the SDK's paginator and retry run as against S3.
 */
import { type ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { attachFake } from './sdk-boundary';

/** A client whose ListObjectsV2 pages through `objects`; `calls` counts the requests. */
export function createPagingS3(objects: Record<string, number>): {
  client: S3Client;
  calls: ListObjectsV2CommandInput[];
} {
  const client = new S3Client({ region: 'eu-west-1' });
  const calls: ListObjectsV2CommandInput[] = [];
  const keys = Object.keys(objects).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  attachFake(client, {
    name: 'FakeS3Listing',
    answer(command, request) {
      if (command !== 'ListObjectsV2') throw new Error(`FakeS3Listing: unexpected ${command}Command`);
      const input = request as ListObjectsV2CommandInput;
      calls.push(input);
      const after = input.ContinuationToken
        ? Buffer.from(input.ContinuationToken, 'base64url').toString()
        : (input.StartAfter ?? '');
      const matching = keys.filter((key) => key.startsWith(input.Prefix ?? '') && key > after);
      const page = matching.slice(0, Math.min(input.MaxKeys ?? 1000, 1000));
      const truncated = matching.length > page.length;
      return {
        Contents: page.map((Key) => ({ Key, Size: objects[Key] })),
        KeyCount: page.length,
        IsTruncated: truncated,
        NextContinuationToken: truncated ? Buffer.from(page.at(-1) as string).toString('base64url') : undefined,
      };
    },
  });
  return { client, calls };
}
