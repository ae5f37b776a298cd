/**
 * Runs a synthesized `Backopper-Backup` document on this machine the way the SSM agent would:
 * CloudFormation references resolved to given values, `{{ parameter }}` text substituted and
 * `SSM_<name>` variables set (interpolationType ENV_VAR), each `aws:runShellScript` step run with
 * `sh`. The one stand-in: `aws:downloadContent` copies the built agent bundle instead of fetching
 * the asset from S3, into a temporary folder that replaces the servers' download folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AGENT_DOWNLOAD_DIR } from '../../infra/constructs/agent-document';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';
import type { LocalSshd } from '../services/sshd';
import type { Workspace } from '../services/workspace';
import { exampleConfig, synthesize } from './synth';

export interface DocumentContent {
  parameters: Record<string, { default?: string; allowedPattern?: string; interpolationType?: string }>;
  mainSteps: Array<{ action: string; name: string; inputs: Record<string, unknown> }>;
}

export interface DocumentRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Resolves the intrinsic functions the document uses (Ref, Fn::Join, Fn::Sub) against `refs`. */
export function resolveIntrinsics(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, refs));
  if (value === null || typeof value !== 'object') return value;
  const fields = value as Record<string, unknown>;
  const lookUp = (name: string) => {
    const found = refs[name];
    if (found === undefined) throw new Error(`no value for reference ${name}`);
    return found;
  };
  if ('Ref' in fields) return lookUp(fields.Ref as string);
  if ('Fn::Join' in fields) {
    const [separator, parts] = fields['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveIntrinsics(part, refs)).join(separator);
  }
  if ('Fn::Sub' in fields)
    return (fields['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_match, name: string) => lookUp(name));
  const intrinsic = Object.keys(fields).find((key) => key.startsWith('Fn::'));
  if (intrinsic) throw new Error(`${intrinsic} is not supported by the local document runner`);
  return Object.fromEntries(Object.entries(fields).map(([key, item]) => [key, resolveIntrinsics(item, refs)]));
}

/** The document content from a synthesized template, resolved, with the download folder moved to `downloadDir`. */
export function localDocument(
  template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> },
  refs: Record<string, string>,
  downloadDir: string,
  name = BACKUP_DOCUMENT_NAME,
): DocumentContent {
  const resource = Object.values(template.Resources).find(
    (candidate) => candidate.Type === 'AWS::SSM::Document' && candidate.Properties.Name === name,
  );
  if (!resource) throw new Error(`the template has no AWS::SSM::Document ${name}`);
  const resolved = JSON.stringify(resolveIntrinsics(resource.Properties.Content, refs));
  return JSON.parse(resolved.replaceAll(AGENT_DOWNLOAD_DIR, downloadDir)) as DocumentContent;
}

/**
 * The backup document of the worked example stack, configured for this machine as `cdk deploy` would
 * configure it for a server: the workspace's folders, this Node.js, the loopback sshd as media server
 * (its key from an SSM parameter or a file), `bucket` as the backup bucket; synthesized (cdk-nag on)
 * and resolved with {@link localDocument}.
 */
export function localStackDocument(input: {
  ws: Workspace;
  bucket: string;
  sshd: LocalSshd;
  media: { identityParameter: string } | { identityFile: string };
  /** @default the configuration's default */
  keepLocal?: number;
  /** Which of the stack's documents. @default Backopper-Backup */
  document?: string;
  /** The media path. @default `<remote root>/{environment}/{app}` */
  mediaPath?: string;
}): DocumentContent {
  const { ws, sshd } = input;
  const config = exampleConfig();
  config.media = {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    path: input.mediaPath ?? join(sshd.remoteRoot, '{environment}', '{app}'),
    ...input.media,
    hostKeys: readFileSync(sshd.knownHostsFile, 'utf8').trim().split('\n'),
  };
  config.agent = {
    appsDir: ws.appsDir,
    backupsDir: ws.backupsDir,
    tmpDir: ws.tmpDir,
    ...(input.keepLocal === undefined ? {} : { keepLocal: input.keepLocal }),
    nodePath: process.execPath,
  };
  const synthesized = synthesize(config);
  try {
    const json = synthesized.template.toJSON() as Parameters<typeof localDocument>[0];
    const bucketId = Object.entries(json.Resources).find(
      ([id, resource]) => resource.Type === 'AWS::S3::Bucket' && id.startsWith('BackupsBucket'),
    )?.[0];
    if (!bucketId) throw new Error('the synthesized stack has no backup bucket');
    const refs = {
      [bucketId]: input.bucket,
      'AWS::Region': 'us-east-1',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::AccountId': '123456789012',
    };
    return localDocument(json, refs, join(ws.root, 'agent-download'), input.document);
  } finally {
    synthesized.remove();
  }
}

/** Checks values against the document's allowedPattern (SSM rejects SendCommand otherwise) and adds defaults. */
export function documentParameters(content: DocumentContent, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(content.parameters)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) throw new Error(`parameter ${name} is required`);
    if (spec.allowedPattern && !new RegExp(spec.allowedPattern).test(value)) {
      throw new Error(`parameter ${name} value ${JSON.stringify(value)} does not match ${spec.allowedPattern}`);
    }
    values[name] = value;
  }
  for (const name of Object.keys(given))
    if (!(name in content.parameters)) throw new Error(`unknown parameter ${name}`);
  return values;
}

/** Runs every step in order; stops at the first failing step, like SSM (successfully for `onFailure: successAndExit`). */
export async function runDocument(input: {
  content: DocumentContent;
  parameters: Record<string, string>;
  agentBundle: string;
  env: Record<string, string | undefined>;
  /** Folder for the step scripts. @default a new temporary folder */
  workDir?: string;
  /** How each step's shell is started (own process group, to SIGKILL it as SSM's timeout does). */
  spawnOptions?: ShellOptions;
}): Promise<DocumentRun> {
  const values = documentParameters(input.content, input.parameters);
  const substitute = (text: string) =>
    text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (match, name: string) => values[name] ?? match);
  const variables = Object.fromEntries(
    Object.entries(input.content.parameters)
      .filter(([, spec]) => spec.interpolationType === 'ENV_VAR')
      .map(([name]) => [`SSM_${name}`, values[name]]),
  );
  const workDir = input.workDir ?? mkdtempSync(join(tmpdir(), 'backopper-document-'));
  try {
    return await runSteps(input, workDir, substitute, variables);
  } finally {
    if (!input.workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

async function runSteps(
  input: {
    content: DocumentContent;
    agentBundle: string;
    env: Record<string, string | undefined>;
    spawnOptions?: ShellOptions;
  },
  workDir: string,
  substitute: (text: string) => string,
  variables: Record<string, string | undefined>,
): Promise<DocumentRun> {
  const result: DocumentRun = { exitCode: 0, stdout: '', stderr: '' };
  for (const step of input.content.mainSteps) {
    if (step.action === 'aws:downloadContent') {
      const { path } = JSON.parse(step.inputs.sourceInfo as string) as { path: string };
      const destination = substitute(step.inputs.destinationPath as string);
      mkdirSync(destination, { recursive: true });
      copyFileSync(input.agentBundle, join(destination, basename(path)));
    } else if (step.action === 'aws:runShellScript') {
      const script = join(workDir, `${step.name}.sh`);
      writeFileSync(script, `${(step.inputs.runCommand as string[]).map(substitute).join('\n')}\n`, { mode: 0o700 });
      const timeoutSeconds = Number(substitute(String(step.inputs.timeoutSeconds ?? '3600')));
      const run = await runShellScript(
        script,
        { ...input.env, ...variables },
        timeoutSeconds * 1000,
        input.spawnOptions,
      );
      result.stdout += run.stdout;
      result.stderr += run.stderr;
      result.exitCode = run.exitCode;
      // A failed step ends the document; `onFailure: successAndExit` makes that end a success.
      if (run.exitCode !== 0) {
        if (step.inputs.onFailure === 'successAndExit') result.exitCode = 0;
        break;
      }
    } else {
      throw new Error(`step ${step.name}: action ${step.action} is not supported by the local document runner`);
    }
  }
  return result;
}

/** How a step's shell is started. */
export interface ShellOptions {
  /** Its own process group. */
  detached?: boolean;
  /** Called with the shell once it runs. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs a script with `sh`, as aws:runShellScript does on Linux. */
export function runShellScript(
  script: string,
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
  options: ShellOptions = {},
): Promise<DocumentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [script], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      detached: options.detached ?? false,
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** The SSM parameter the example stack's media key comes from in these tests. */
export const MEDIA_KEY_PARAMETER = '/backopper/test-media-key';

/**
 * A stand-in `aws` CLI on PATH (the servers' CLI fetches the media key): it answers only the exact
 * get-parameter call the document makes, and logs its arguments.
 */
export function writeFakeAwsCli(dir: string, keyFile: string): string {
  const script = [
    '#!/bin/sh',
    `echo "$@" >> ${JSON.stringify(join(dir, 'aws-calls.log'))}`,
    `if [ "$1 $2" = "ssm get-parameter" ] && echo "$@" | grep -q -- "--name ${MEDIA_KEY_PARAMETER} --with-decryption"; then`,
    `  cat ${JSON.stringify(keyFile)}`,
    '  exit 0',
    'fi',
    'echo "fake aws: unexpected call: $*" >&2',
    'exit 255',
  ].join('\n');
  writeFileSync(join(dir, 'aws'), `${script}\n`);
  chmodSync(join(dir, 'aws'), 0o755);
  return dir;
}
