/**
 * A stateful in-memory SSM Run Command (plus the Parameter Store of {@link FakeSsm}) at the SDK's
 * deserialize step, behaving like the service where Backopper relies on it:
 *
 * - SendCommand resolves tag targets to the instances carrying the tag, refuses unknown documents and
 *   parameters that do not match the document's allowedPattern;
 * - right after SendCommand the command is Pending and has no invocations yet: ListCommandInvocations
 *   answers [] and GetCommandInvocation throws InvocationDoesNotExist;
 * - each `advance()` moves every unfinished command one step: Pending → InProgress → its final status
 *   (from `respond`), and the command's status follows its invocations;
 * - ListCommands (newest first, DocumentName and InvokedAfter filters) and ListCommandInvocations page
 *   with NextToken; ListCommandInvocations with Details shows the first 2,500 characters of each step's
 *   output, GetCommandInvocation the first 24,000 (while InProgress: what was printed so far);
 * - a server without the app ends the document at its check step (`onFailure: successAndExit`) as the SSM
 *   agent records it: that step Success with code 168 and the agent's note after its output, the later
 *   steps Success/Skipped with code 0 and the agent's non-empty skip message as their Output;
 * - a command sent with CloudWatchOutputConfig writes its output, whole, to `logs` (a
 *   {@link FakeCloudWatchLogs}) as it comes: one event per line in the stream
 *   `<command>/<instance>/<step>/stdout` (and `/stderr`) of its log group (default `/aws/ssm/<document>`).
 */
import { randomUUID } from 'node:crypto';
import {
  type Command,
  type CommandInvocation,
  type CommandPlugin,
  type GetCommandInvocationCommandInput,
  InvalidDocument,
  InvalidParameters,
  InvalidPluginName,
  InvocationDoesNotExist,
  type ListCommandInvocationsCommandInput,
  type ListCommandsCommandInput,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import type { FakeCloudWatchLogs } from './fake-cloudwatch-logs';
import { FakeSsm } from './fake-ssm';
import { errorDetails } from './sdk-boundary';
import { CHECK_STEP, DOWNLOAD_STEP, RUN_STEP } from '../../common/names';

/** Final outcome of one invocation. */
export interface InvocationOutcome {
  status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  stdout?: string;
  stderr?: string;
  responseCode?: number;
  /** What the run step has printed so far while InProgress (SSM shows output as it comes). @default '' */
  partialStdout?: string;
  /**
   * `check`: the document ended at its first step (a server without the app): `stdout` is that step's
   * output and the later steps have none. @default run
   */
  endedAt?: 'check' | 'run';
}

type InvocationStatus = 'Pending' | 'InProgress' | InvocationOutcome['status'];

interface StoredInvocation {
  instanceId: string;
  status: InvocationStatus;
  outcome: InvocationOutcome;
  /** Characters of stdout written to CloudWatch Logs so far. */
  logged?: number;
}

/** A command as the fake keeps it. */
export interface StoredCommand {
  commandId: string;
  input: SendCommandCommandInput;
  requestedAt: Date;
  /** 0: just sent, no invocations visible; 1: in progress; 2: finished. */
  stage: number;
  invocations: StoredInvocation[];
}

/** Options of the fake. */
export interface FakeRunCommandOptions {
  /** Largest page ListCommands / ListCommandInvocations return. @default 50 */
  pageSize?: number;
  /** Document name → parameter name → allowedPattern. */
  documents: Record<string, Record<string, string>>;
  /** The clock stamping RequestedDateTime. */
  now: () => Date;
}

const meta = (message: string) => errorDetails(message, 400);

/** The fake. `install()` routes every SSMClient to it (Parameter Store included). */
export class FakeRunCommand extends FakeSsm {
  override readonly name = 'FakeRunCommand';
  readonly commands: StoredCommand[] = [];
  readonly instances = new Map<string, Record<string, string>>();
  /** Every SendCommand input, in order. */
  readonly sent: SendCommandCommandInput[] = [];
  /** Decides how an invocation ends. @default Success with an empty output */
  respond: (command: StoredCommand, instanceId: string) => InvocationOutcome = () => ({
    status: 'Success',
    stdout: '',
    responseCode: 0,
  });
  /** Where commands sent with CloudWatchOutputConfig write their output; unset: nowhere. */
  logs: FakeCloudWatchLogs | undefined;
  private readonly pageSize: number;

  constructor(private readonly options: FakeRunCommandOptions) {
    super();
    this.pageSize = options.pageSize ?? 50;
  }

  /** Registers a managed instance with its tags. */
  addInstance(instanceId: string, tags: Record<string, string>): this {
    this.instances.set(instanceId, tags);
    // A tagged server is a managed instance, Online, as SSM lists it.
    if (!this.managed.has(instanceId)) this.manage(instanceId);
    return this;
  }

  /** Adds a finished command to the history, as if it ran at `requestedAt`. */
  seedCommand(input: {
    request: SendCommandCommandInput;
    requestedAt: Date;
    outcomes: Record<string, InvocationOutcome>;
  }): StoredCommand {
    const command: StoredCommand = {
      commandId: randomUUID(),
      input: input.request,
      requestedAt: input.requestedAt,
      stage: 2,
      invocations: Object.entries(input.outcomes).map(([instanceId, outcome]) => ({
        instanceId,
        status: outcome.status,
        outcome,
      })),
    };
    this.commands.push(command);
    for (const invocation of command.invocations) this.writeOutput(command, invocation);
    return command;
  }

  /** Moves every unfinished command one step. */
  advance(): void {
    for (const command of this.commands) {
      if (command.stage >= 2) continue;
      command.stage += 1;
      for (const invocation of command.invocations) {
        invocation.status = command.stage === 1 ? 'InProgress' : invocation.outcome.status;
        this.writeOutput(command, invocation);
      }
    }
  }

  // What SSM's agent sends to CloudWatch Logs: whole lines as they are printed, the rest at the end.
  private writeOutput(command: StoredCommand, invocation: StoredInvocation): void {
    const config = command.input.CloudWatchOutputConfig;
    if (!this.logs || !config?.CloudWatchOutputEnabled || invocation.status === 'Pending') return;
    const group = config.CloudWatchLogGroupName ?? `/aws/ssm/${command.input.DocumentName}`;
    const step = invocation.outcome.endedAt === 'check' ? CHECK_STEP : RUN_STEP;
    const stream = (name: 'stdout' | 'stderr') => `${command.commandId}/${invocation.instanceId}/${step}/${name}`;
    const final = isFinal(invocation.status);
    const stdout = final ? (invocation.outcome.stdout ?? '') : (invocation.outcome.partialStdout ?? '');
    const from = invocation.logged ?? 0;
    const upTo = final ? stdout.length : stdout.lastIndexOf('\n') + 1;
    if (upTo > from)
      this.logs.putLines(group, stream('stdout'), stdout.slice(from, upTo).replace(/\n$/, '').split('\n'));
    invocation.logged = Math.max(from, upTo);
    const stderr = invocation.outcome.stderr ?? '';
    if (final && stderr) this.logs.putLines(group, stream('stderr'), stderr.replace(/\n$/, '').split('\n'));
  }

  /** The stored command, by id. */
  command(commandId: string): StoredCommand | undefined {
    return this.commands.find((command) => command.commandId === commandId);
  }

  override answer(command: string, input: any): unknown {
    switch (command) {
      case 'SendCommand':
        return this.send(input as SendCommandCommandInput);
      case 'ListCommands':
        return this.listCommands(input as ListCommandsCommandInput);
      case 'ListCommandInvocations':
        return this.listInvocations(input as ListCommandInvocationsCommandInput);
      case 'GetCommandInvocation':
        return this.getInvocation(input as GetCommandInvocationCommandInput);
      default:
        return super.answer(command, input);
    }
  }

  private send(input: SendCommandCommandInput) {
    this.calls.record('SendCommand');
    const patterns = this.options.documents[input.DocumentName ?? ''];
    if (!patterns) throw new InvalidDocument(meta(`Document ${input.DocumentName} does not exist.`));
    for (const [name, values] of Object.entries(input.Parameters ?? {})) {
      const pattern = patterns[name];
      if (pattern === undefined)
        throw new InvalidParameters(meta(`Parameter "${name}" is not defined in the document.`));
      for (const value of values) {
        if (!new RegExp(pattern).test(value))
          throw new InvalidParameters(meta(`Parameter "${name}" value "${value}" does not match the allowed pattern.`));
      }
    }
    this.sent.push(input);
    const instances = [...this.instances.entries()]
      .filter(([id, tags]) =>
        (input.Targets ?? []).every((target) =>
          target.Key === 'InstanceIds'
            ? target.Values?.includes(id)
            : target.Values?.includes(tags[(target.Key ?? '').replace(/^tag:/, '')] ?? '\0'),
        ),
      )
      .map(([id]) => id);
    const command: StoredCommand = {
      commandId: randomUUID(),
      input,
      requestedAt: this.options.now(),
      stage: 0,
      invocations: [],
    };
    command.invocations = instances.map((instanceId) => ({
      instanceId,
      status: 'Pending',
      outcome: this.respond(command, instanceId),
    }));
    // A command that matched no instance is over at once (Success, TargetCount 0), as in SSM.
    if (instances.length === 0) command.stage = 2;
    this.commands.push(command);
    return { Command: this.describe(command) };
  }

  private describe(command: StoredCommand): Command {
    const statuses = command.invocations.map((invocation) => invocation.status);
    const done = statuses.filter((status) => !['Pending', 'InProgress'].includes(status));
    return {
      CommandId: command.commandId,
      DocumentName: command.input.DocumentName,
      Comment: command.input.Comment,
      Parameters: command.input.Parameters,
      Targets: command.input.Targets,
      RequestedDateTime: command.requestedAt,
      Status: commandStatus(command.stage, statuses),
      TargetCount: command.invocations.length,
      CompletedCount: done.length,
      ErrorCount: statuses.filter((status) => status === 'Failed').length,
      DeliveryTimedOutCount: 0,
      TimeoutSeconds: command.input.TimeoutSeconds,
    };
  }

  private listCommands(input: ListCommandsCommandInput) {
    this.calls.record('ListCommands');
    const filter = (key: string) => input.Filters?.find((entry) => entry.key === key)?.value;
    const document = filter('DocumentName');
    const after = filter('InvokedAfter');
    const matching = this.commands
      .filter((command) => !input.CommandId || command.commandId === input.CommandId)
      .filter((command) => !document || command.input.DocumentName === document)
      .filter((command) => !after || command.requestedAt.getTime() >= Date.parse(after))
      .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime());
    const { page, NextToken } = this.page(matching, input.MaxResults, input.NextToken);
    return { Commands: page.map((command) => this.describe(command)), NextToken };
  }

  private listInvocations(input: ListCommandInvocationsCommandInput) {
    this.calls.record('ListCommandInvocations');
    const command = this.command(input.CommandId ?? '');
    const visible = command && command.stage > 0 ? command.invocations : [];
    const { page, NextToken } = this.page(
      visible.filter((invocation) => !input.InstanceId || invocation.instanceId === input.InstanceId),
      input.MaxResults,
      input.NextToken,
    );
    const invocations: CommandInvocation[] = page.map((invocation) => ({
      CommandId: command?.commandId,
      InstanceId: invocation.instanceId,
      DocumentName: command?.input.DocumentName,
      Comment: command?.input.Comment,
      RequestedDateTime: command?.requestedAt,
      Status: invocation.status,
      StatusDetails: invocation.status,
      ...(input.Details
        ? {
            CommandPlugins: pluginsOf(invocation),
          }
        : {}),
    }));
    return { CommandInvocations: invocations, NextToken };
  }

  private getInvocation(input: GetCommandInvocationCommandInput) {
    this.calls.record('GetCommandInvocation');
    const command = this.command(input.CommandId ?? '');
    const invocation =
      command && command.stage > 0
        ? command.invocations.find((entry) => entry.instanceId === input.InstanceId)
        : undefined;
    if (!command || !invocation) throw new InvocationDoesNotExist(meta(''));
    if (input.PluginName && ![RUN_STEP, DOWNLOAD_STEP, CHECK_STEP].includes(input.PluginName))
      throw new InvalidPluginName(meta(''));
    const step = input.PluginName ?? RUN_STEP;
    const final = isFinal(invocation.status);
    // After the check step ended the document, the later steps hold the SSM agent's skip message.
    if (invocation.outcome.endedAt === 'check' && step !== CHECK_STEP && final) {
      return {
        CommandId: command.commandId,
        InstanceId: invocation.instanceId,
        DocumentName: command.input.DocumentName,
        PluginName: input.PluginName,
        Status: 'Success',
        StatusDetails: 'Skipped',
        ResponseCode: 0,
        StandardOutputContent: skipMessage(step),
        StandardErrorContent: '',
      };
    }
    const ownsOutput = step === (invocation.outcome.endedAt === 'check' ? CHECK_STEP : RUN_STEP);
    const shown = final && ownsOutput;
    const stdout = shown ? stepStdout(invocation.outcome) : (invocation.outcome.partialStdout ?? '');
    return {
      CommandId: command.commandId,
      InstanceId: invocation.instanceId,
      DocumentName: command.input.DocumentName,
      PluginName: input.PluginName,
      Status: invocation.status,
      StatusDetails: invocation.status,
      ResponseCode: shown ? stepCode(invocation.outcome) : -1,
      StandardOutputContent: stdout.slice(0, 24_000),
      StandardErrorContent: shown ? stepStderr(invocation.outcome).slice(0, 8_000) : '',
    };
  }

  private page<T>(
    items: T[],
    maxResults: number | undefined,
    token: string | undefined,
  ): { page: T[]; NextToken: string | undefined } {
    const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
    const size = Math.min(maxResults ?? 50, this.pageSize);
    const page = items.slice(start, start + size);
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { page, NextToken: next };
  }
}

/**
 * What the SSM agent (amazon-ssm-agent, agent/framework/runpluginutil/runpluginutil.go) records when a
 * step with `onFailure: successAndExit` fails: status Success, code 168 (contracts.ExitWithSuccess),
 * this line appended to its output; every later step is skipped with {@link skipMessage}, code 0.
 */
export const EXIT_CONDITION_NOTE =
  '\nStep was found to have onFailure property. Further document steps will be skipped.';
/** The SSM agent's exit code of a step that ended the document with success (contracts.ExitWithSuccess). */
export const EXIT_WITH_SUCCESS = 168;

const STEP_ACTIONS: Record<string, string> = {
  [CHECK_STEP]: 'aws:runShellScript',
  [DOWNLOAD_STEP]: 'aws:downloadContent',
  [RUN_STEP]: 'aws:runShellScript',
};

/** The Output of a step the SSM agent skipped after an exit condition, word for word. */
export function skipMessage(step: string): string {
  return `Plugin with name ${STEP_ACTIONS[step] ?? 'aws:runShellScript'} and id ${step} skipped due to prior step with an exit condition`;
}

// The step that ended the document shows the agent's note after its own output, and code 168.
function stepStdout(outcome: InvocationOutcome): string {
  return outcome.endedAt === 'check' ? `${outcome.stdout ?? ''}${EXIT_CONDITION_NOTE}` : (outcome.stdout ?? '');
}
function stepStderr(outcome: InvocationOutcome): string {
  return outcome.endedAt === 'check' ? `${outcome.stderr ?? ''}${EXIT_CONDITION_NOTE}` : (outcome.stderr ?? '');
}
function stepCode(outcome: InvocationOutcome): number {
  return outcome.endedAt === 'check' ? EXIT_WITH_SUCCESS : (outcome.responseCode ?? -1);
}

// ListCommandInvocations' CommandPlugins: every step of the document, as the agent reported each.
function pluginsOf(invocation: StoredInvocation): CommandPlugin[] {
  const status = (value: string) => value as CommandPlugin['Status'];
  const final = isFinal(invocation.status);
  const { outcome } = invocation;
  if (outcome.endedAt === 'check') {
    return [
      {
        Name: CHECK_STEP,
        Status: status(final ? 'Success' : invocation.status),
        ResponseCode: final ? EXIT_WITH_SUCCESS : -1,
        Output: final ? stepStdout(outcome).slice(0, 2500) : '',
      },
      ...[DOWNLOAD_STEP, RUN_STEP].map((name) => ({
        Name: name,
        Status: status(final ? 'Success' : invocation.status),
        StatusDetails: final ? 'Skipped' : invocation.status,
        ResponseCode: final ? 0 : -1,
        Output: final ? skipMessage(name) : '',
      })),
    ];
  }
  return [
    { Name: DOWNLOAD_STEP, Status: status(invocation.status === 'Pending' ? 'Pending' : 'Success'), Output: '' },
    {
      Name: RUN_STEP,
      Status: status(invocation.status),
      ResponseCode: final ? (outcome.responseCode ?? -1) : -1,
      Output: final ? (outcome.stdout ?? '').slice(0, 2500) : '',
    },
  ];
}

function isFinal(status: InvocationStatus): boolean {
  return status !== 'Pending' && status !== 'InProgress';
}

// The command's status follows its invocations, as SSM reports it.
function commandStatus(stage: number, statuses: InvocationStatus[]): Command['Status'] {
  if (stage === 0) return 'Pending';
  if (statuses.some((status) => !isFinal(status))) return 'InProgress';
  for (const status of ['Failed', 'TimedOut', 'Cancelled'] as const) if (statuses.includes(status)) return status;
  return 'Success';
}

/** An agent's stdout for a run: a progress line, then the JSON run report as the last line. */
export function agentOutput(report: Record<string, unknown>): string {
  return `backopper: backing up ${String(report.app)}\n${JSON.stringify(report)}\n`;
}
