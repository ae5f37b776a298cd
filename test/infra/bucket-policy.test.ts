import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENY_OVERWRITES_SID } from '../../infra/constructs/conditional-writes';
import { type Synthesized, synthesize } from './synth';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string>>;
}

/** One S3 write as IAM sees it: its action and the condition keys its request carries. */
interface WriteRequest {
  operation: string;
  /** `s3:if-none-match`: present only when the request has the header. */
  ifNoneMatch?: string;
  /** `s3:ObjectCreationOperation`: true for the calls that create the object (AWS docs). */
  creates: boolean;
}

/**
 * Whether a statement's conditions hold for a request, with IAM's semantics for the two operators used:
 * `Null: { key: 'true' }` holds when the key is absent, `'false'` when present; `Bool` compares the value.
 * Any other operator fails the test, so the evaluation cannot silently ignore one.
 */
function conditionsHold(statement: Statement, request: WriteRequest): boolean {
  const context: Record<string, string | undefined> = {
    's3:if-none-match': request.ifNoneMatch,
    's3:ObjectCreationOperation': String(request.creates),
  };
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, value]) => {
      if (!(key in context)) throw new Error(`unexpected condition key ${key}`);
      if (operator === 'Null') return (context[key] === undefined) === (value === 'true');
      if (operator === 'Bool') return context[key] === value;
      throw new Error(`unexpected condition operator ${operator}`);
    }),
  );
}

describe('the backup bucket enforces what the agent promises', () => {
  let synthesized: Synthesized;
  let template: Template;
  let deny: Statement;
  beforeAll(() => {
    synthesized = synthesize();
    template = synthesized.template;
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    const [backupBucket] = Object.keys(buckets);
    const policies = Object.values(
      template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: backupBucket } } }),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Statement[];
    deny = statements.find((statement) => statement.Sid === DENY_OVERWRITES_SID)!;
  });
  afterAll(() => synthesized?.remove());

  it('denies, to every principal, an object write without If-None-Match (s3:if-none-match, Null form)', () => {
    expect(deny).toEqual({
      Sid: DENY_OVERWRITES_SID,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^BackupsBucket/), 'Arn'] }, '/*']] },
      Condition: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: DENY_OVERWRITES_SID })]) },
    });
  });

  it.each<[string, WriteRequest, boolean]>([
    ['denies an unconditional PutObject (an overwrite)', { operation: 'PutObject', creates: true }, true],
    ['allows a PutObject with If-None-Match: *', { operation: 'PutObject', ifNoneMatch: '*', creates: true }, false],
    ['allows CreateMultipartUpload (it takes no conditional header)', { operation: 'Create', creates: false }, false],
    ['allows UploadPart (it takes no conditional header)', { operation: 'UploadPart', creates: false }, false],
    ['denies a CompleteMultipartUpload without If-None-Match', { operation: 'Complete', creates: true }, true],
    [
      'allows a CompleteMultipartUpload with If-None-Match: *',
      { operation: 'Complete', ifNoneMatch: '*', creates: true },
      false,
    ],
  ])('%s', (_name, request, denied) => {
    expect(conditionsHold(deny, request)).toBe(denied);
  });

  it('still passes cdk-nag with the statement', () => {
    expect(Annotations.fromStack(synthesized.stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
