/**
 * A stateful in-memory SNS (Publish) at the SDK's deserialize step, checking what SNS checks: the topic
 * exists; the Subject is ASCII printable text without line breaks, shorter than 100 characters
 * (InvalidParameterException otherwise); with MessageStructure `json` the Message is a JSON object with
 * a `default` string; the message is at most 256 KB.
 */
import { InvalidParameterException, NotFoundException, type PublishInput, SNSClient } from '@aws-sdk/client-sns';
import { CallCounter } from './call-counter';
import { errorDetails, InstallableFake } from './sdk-boundary';

/** A published message as a subscriber of each protocol would receive it. */
export interface PublishedMessage {
  topicArn: string;
  subject: string | undefined;
  /** What an e-mail subscription receives. */
  email: string;
  /** What an https subscription (AWS Chatbot) receives. */
  https: string;
}

const invalid = (message: string) =>
  new InvalidParameterException({
    ...errorDetails(`Invalid parameter: ${message}`, 400),
    message: `Invalid parameter: ${message}`,
  });

/** The fake. `install()` routes every SNSClient to it. */
export class FakeSns extends InstallableFake {
  readonly name = 'FakeSns';
  readonly topics = new Set<string>();
  readonly published: PublishedMessage[] = [];
  readonly calls = new CallCounter(['Publish']);
  /** Makes the next n Publish calls fail with an internal error (HTTP 500, retried by the SDK). */
  failNext = 0;

  constructor(topicArns: string[]) {
    super(SNSClient);
    for (const arn of topicArns) this.topics.add(arn);
  }

  answer(command: string, input: any): unknown {
    if (command !== 'Publish') throw new Error(`${this.name}: unexpected ${command}Command`);
    this.calls.record('Publish');
    const request = input as PublishInput;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('Internal error'), {
        name: 'InternalErrorException',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
    }
    if (!request.TopicArn || !this.topics.has(request.TopicArn))
      throw new NotFoundException({ ...errorDetails('Topic does not exist', 404), message: 'Topic does not exist' });
    const subject = request.Subject;
    if (
      subject !== undefined &&
      (subject.length === 0 ||
        subject.length >= 100 ||
        !/^[\x20-\x7e]+$/.test(subject) ||
        !/^[A-Za-z0-9\p{P}]/u.test(subject))
    ) {
      throw invalid('Subject');
    }
    const message = request.Message ?? '';
    if (Buffer.byteLength(message) > 262_144) throw invalid('Message too long');
    let email = message;
    let https = message;
    if (request.MessageStructure === 'json') {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(message) as Record<string, unknown>;
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof parsed.default !== 'string')
        throw invalid('Message Structure - No default entry in JSON message body');
      email = typeof parsed.email === 'string' ? parsed.email : parsed.default;
      https = typeof parsed.https === 'string' ? parsed.https : parsed.default;
    }
    this.published.push({ topicArn: request.TopicArn, subject, email, https });
    return { MessageId: `message-${this.published.length}` };
  }
}
