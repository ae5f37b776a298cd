/**
 * Where the stateful fakes meet the AWS SDK: at the `deserialize` step, the innermost part of the
 * middleware stack. Every command still goes through the SDK's own serializer, retry (with its backoff,
 * retry quota and, in adaptive mode, rate limiter), signing and paginators; only the HTTP exchange and
 * the parsing of the answer are replaced, by the fake answering from `context.commandName`. A command
 * the fake does not know throws in the fake, and a client that was routed to a fake throws once its
 * fake is restored: nothing reaches the network.
 */

/** A fake service: answers one attempt of `command` (e.g. `CreateSchedule`), or throws the service's error. */
export interface FakeService {
  readonly name: string;
  /** `input` is the command's input as the SDK passed it down the stack. */
  answer(command: string, input: any): unknown;
}

/** What a fake's errors carry, as the SDK's deserializer sets it: the HTTP status the retry strategy classifies. */
export function errorDetails(
  message: string,
  httpStatusCode: number,
): { message: string; $metadata: { httpStatusCode: number } } {
  return { message, $metadata: { httpStatusCode } };
}

// Structural types of what we touch on a client: its middleware stack and `send`.
type MetadataBearer = { $metadata: Record<string, unknown> };
type Handler = (args: { input: object }) => Promise<{ output: MetadataBearer; response: unknown }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
interface StackedClient {
  middlewareStack: { add: (...args: any[]) => void };
}
type ClientClass = { name: string; prototype: { send: (...args: never[]) => unknown } };

const MIDDLEWARE_NAME = 'backopperFake';
// The fake answering each client class right now; a class whose fake was restored answers with an error.
const active = new Map<ClientClass, FakeService>();
const patched = new Map<ClientClass, { own: boolean; send: ClientClass['prototype']['send'] }>();
const stacked = new WeakSet<object>();

/** What the fake's middleware returns for a successful answer: the output as the deserializer would shape it. */
function succeeded(output: unknown): { output: MetadataBearer; response: unknown } {
  const fields = typeof output === 'object' && output !== null ? output : {};
  // A plain object with statusCode and headers is what HttpResponse.isInstance accepts.
  return {
    output: { ...fields, $metadata: { httpStatusCode: 200 } },
    response: { statusCode: 200, headers: {}, body: undefined },
  };
}

function fakeMiddleware(lookUp: () => FakeService | undefined, clientName: string): Middleware {
  return (_next, context) => async (args) => {
    const fake = lookUp();
    if (!fake) throw new Error(`${clientName}: no fake is installed (tests never call AWS)`);
    const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
    return succeeded(await fake.answer(command, args.input));
  };
}

function addMiddleware(client: StackedClient, middleware: Middleware): void {
  client.middlewareStack.add(middleware, { step: 'deserialize', priority: 'high', name: MIDDLEWARE_NAME });
}

/**
 * The SDK signs each request before the fake answers it: it needs a region and credentials. vitest sets
 * fake ones (vitest.config.mts); the benchmark and the demo use the fakes outside vitest, so they get
 * them here, and the SDK never looks further (a profile, instance metadata on the network).
 */
function ensureOfflineSdkSettings(): void {
  process.env.AWS_REGION ??= 'eu-west-1';
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBACKOPPERFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'backopper-fake-secret-not-real';
  }
}

/**
 * Routes every instance of `Client` (made before or after, by the code under test or by the test) to
 * `fake`: `send` is patched to add the fake's middleware to each instance's stack once. Installing
 * another fake for the same class replaces this one. Returns the undo.
 */
export function installFake(Client: ClientClass, fake: FakeService): () => void {
  ensureOfflineSdkSettings();
  active.set(Client, fake);
  if (!patched.has(Client)) {
    const prototype = Client.prototype;
    const send = prototype.send;
    patched.set(Client, { own: Object.prototype.hasOwnProperty.call(prototype, 'send'), send });
    prototype.send = function patchedSend(this: StackedClient, ...args: never[]) {
      if (!stacked.has(this)) {
        stacked.add(this);
        addMiddleware(
          this,
          fakeMiddleware(() => active.get(Client), Client.name),
        );
      }
      return send.apply(this, args);
    };
  }
  return () => {
    if (active.get(Client) !== fake) return; // replaced since: the newer fake stays
    active.delete(Client);
    const original = patched.get(Client);
    if (!original) return;
    if (original.own) Client.prototype.send = original.send;
    else delete (Client.prototype as { send?: unknown }).send;
    patched.delete(Client);
  };
}

/** Routes one client instance to `fake`, for as long as the instance lives. */
export function attachFake(client: StackedClient, fake: FakeService): void {
  ensureOfflineSdkSettings();
  stacked.add(client);
  addMiddleware(
    client,
    fakeMiddleware(() => fake, fake.name),
  );
}

/** A fake that answers one client class: `install()` routes every instance to it, `restore()` undoes that. */
export abstract class InstallableFake implements FakeService {
  abstract readonly name: string;
  private uninstall: (() => void) | undefined;

  constructor(private readonly client: ClientClass) {}

  abstract answer(command: string, input: any): unknown;

  /** Answers every client of the class (every instance) from this fake, through the SDK's middleware stack. */
  install(): this {
    this.uninstall = installFake(this.client, this);
    return this;
  }

  /** Undoes `install()`. */
  restore(): void {
    this.uninstall?.();
    this.uninstall = undefined;
  }
}
