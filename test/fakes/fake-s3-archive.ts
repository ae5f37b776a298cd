/**
 * A stateful S3 fake on one S3Client instance, for what s3rver does not model: storage classes and the
 * thaw of archived objects. It answers at the SDK's deserialize step (see sdk-boundary.ts) as S3 does:
 *
 * - ListObjectsV2 pages in UTF-8 key order (MaxKeys at most 1000, opaque NextContinuationToken) and
 *   gives each object's StorageClass (STANDARD included, as S3 lists it);
 * - HeadObject gives ContentLength, StorageClass only when not STANDARD (S3 omits the header then), and
 *   `Restore` (`x-amz-restore`): `ongoing-request="true"` while a thaw runs, `ongoing-request="false",
 *   expiry-date="<RFC 1123>"` once the temporary copy is there; NotFound for an unknown key;
 * - GetObject of a GLACIER or DEEP_ARCHIVE object without a finished thaw throws InvalidObjectState
 *   (403, with StorageClass); NoSuchKey for an unknown key;
 * - RestoreObject on an archived object starts a thaw (S3 answers 202); again while it runs throws
 *   RestoreAlreadyInProgress (409); on a thawed copy it succeeds and moves the expiry (200); on an
 *   object in an active tier throws ObjectAlreadyInActiveTierError (403); Expedited on DEEP_ARCHIVE is
 *   refused (400 InvalidArgument: Deep Archive offers Standard and Bulk only);
 * - PutObject stores the body with its StorageClass (STANDARD by default);
 * - `finishThaws(now)` completes every running thaw, as S3 does hours later.
 */
import { Readable } from 'node:stream';
import {
  type GetObjectCommandInput,
  type HeadObjectCommandInput,
  InvalidObjectState,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
  NoSuchKey,
  NotFound,
  ObjectAlreadyInActiveTierError,
  type RestoreObjectCommandInput,
  S3Client,
  S3ServiceException,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { attachFake, errorDetails } from './sdk-boundary';
import { CallCounter } from './call-counter';

/** One stored object. */
export interface FakeObject {
  body: Buffer;
  storageClass: StorageClass;
  /** A thaw: running, or done with the copy's expiry. */
  thaw?: { ongoing: boolean; days: number; tier: string; expiry?: Date };
}

const ARCHIVED = new Set<string>(['GLACIER', 'DEEP_ARCHIVE']);
const DAY = 86_400_000;

function s3Error(name: string, message: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    ...errorDetails(message, status),
  });
}

/** The fake and the client routed to it. */
export class FakeS3Archive {
  readonly name = 'FakeS3Archive';
  readonly client = new S3Client({ region: 'eu-west-1' });
  readonly objects = new Map<string, FakeObject>();
  readonly calls = new CallCounter(['RestoreObject']);
  /** Every RestoreObject input that was accepted. */
  readonly thawRequests: RestoreObjectCommandInput[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {
    attachFake(this.client, this);
  }

  /** Puts an object (any storage class). */
  put(key: string, body: string | Buffer, storageClass: StorageClass = 'STANDARD'): this {
    this.objects.set(key, { body: Buffer.from(body), storageClass });
    return this;
  }

  /** Completes every running thaw: the temporary copy is readable for its `days`. */
  finishThaws(at: Date = this.now()): void {
    for (const object of this.objects.values()) {
      if (object.thaw?.ongoing)
        object.thaw = { ...object.thaw, ongoing: false, expiry: new Date(at.getTime() + object.thaw.days * DAY) };
    }
  }

  answer(command: string, input: any): unknown {
    this.calls.record(command);
    switch (command) {
      case 'ListObjectsV2':
        return this.list(input as ListObjectsV2CommandInput);
      case 'HeadObject':
        return this.head(input as HeadObjectCommandInput);
      case 'GetObject':
        return this.get(input as GetObjectCommandInput);
      case 'RestoreObject':
        return this.restore(input as RestoreObjectCommandInput);
      case 'PutObject': {
        const put = input as PutObjectCommandInput;
        if (typeof put.Body !== 'string' && !Buffer.isBuffer(put.Body) && !(put.Body instanceof Uint8Array))
          throw new Error('FakeS3Archive: PutObject takes a string or bytes');
        this.put(put.Key as string, Buffer.from(put.Body as string | Uint8Array), put.StorageClass ?? 'STANDARD');
        return {};
      }
      default:
        throw new Error(`FakeS3Archive: unexpected ${command}Command`);
    }
  }

  private list(input: ListObjectsV2CommandInput) {
    const keys = [...this.objects.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const after = input.ContinuationToken
      ? Buffer.from(input.ContinuationToken, 'base64url').toString()
      : (input.StartAfter ?? '');
    const matching = keys.filter((key) => key.startsWith(input.Prefix ?? '') && key > after);
    const page = matching.slice(0, Math.min(input.MaxKeys ?? 1000, 1000));
    const truncated = matching.length > page.length;
    return {
      Contents: page.map((Key) => {
        const object = this.objects.get(Key) as FakeObject;
        return { Key, Size: object.body.length, StorageClass: object.storageClass };
      }),
      KeyCount: page.length,
      IsTruncated: truncated,
      NextContinuationToken: truncated ? Buffer.from(page.at(-1) as string).toString('base64url') : undefined,
    };
  }

  private find(key: string | undefined, missing: () => Error): FakeObject {
    const object = this.objects.get(key ?? '');
    if (!object) throw missing();
    return object;
  }

  private head(input: HeadObjectCommandInput) {
    const object = this.find(input.Key, () => new NotFound(errorDetails('Not Found', 404)));
    const thaw = object.thaw;
    return {
      ContentLength: object.body.length,
      ...(object.storageClass === 'STANDARD' ? {} : { StorageClass: object.storageClass }),
      ...(thaw
        ? {
            Restore: thaw.ongoing
              ? 'ongoing-request="true"'
              : `ongoing-request="false", expiry-date="${(thaw.expiry as Date).toUTCString()}"`,
          }
        : {}),
    };
  }

  private get(input: GetObjectCommandInput) {
    const object = this.find(input.Key, () => new NoSuchKey(errorDetails('The specified key does not exist.', 404)));
    if (ARCHIVED.has(object.storageClass) && !(object.thaw && !object.thaw.ongoing)) {
      throw new InvalidObjectState({
        ...errorDetails("The operation is not valid for the object's storage class", 403),
        StorageClass: object.storageClass,
      });
    }
    const body = object.body;
    // A stream with the SDK's mixins, as GetObject's Body is in Node.js.
    const stream = Object.assign(Readable.from([body]), {
      transformToString: async () => body.toString(),
      transformToByteArray: async () => new Uint8Array(body),
    });
    return { ContentLength: body.length, Body: stream };
  }

  private restore(input: RestoreObjectCommandInput) {
    const object = this.find(input.Key, () => new NoSuchKey(errorDetails('The specified key does not exist.', 404)));
    if (!ARCHIVED.has(object.storageClass))
      throw new ObjectAlreadyInActiveTierError(
        errorDetails('This operation is not allowed against this storage tier.', 403),
      );
    const days = input.RestoreRequest?.Days;
    const tier = input.RestoreRequest?.GlacierJobParameters?.Tier ?? input.RestoreRequest?.Tier ?? 'Standard';
    if (!days || days < 1) throw s3Error('MalformedXML', 'Days is required for GLACIER and DEEP_ARCHIVE objects', 400);
    if (object.storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited')
      throw s3Error('InvalidArgument', 'Expedited retrieval is not supported for the DEEP_ARCHIVE storage class', 400);
    if (object.thaw?.ongoing) throw s3Error('RestoreAlreadyInProgress', 'Object restore is already in progress', 409);
    this.thawRequests.push(input);
    if (object.thaw) object.thaw = { ...object.thaw, days, expiry: new Date(this.now().getTime() + days * DAY) };
    else object.thaw = { ongoing: true, days, tier };
    return {};
  }
}
