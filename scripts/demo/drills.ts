/**
 * The demo's restore drills (issue 22): the stack's Backopper-Verify document run for each app the way
 * its weekly schedule would send it (the agent's `drill --media`, then `drill --rotate`), and a drill
 * that must fail: one dump in S3 replaced with a different file, which the drill catches by its sha256
 * and reports with a non-zero exit.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { VERIFY_DOCUMENT_NAME } from '../../common/names';
import { AGENT_BUNDLE } from '../../test/services/agent';
import { type DocumentContent, type DocumentRun, runDocument } from '../../test/infra/document-runner';

/** One drill's report, as the agent prints it last (the fields the demo shows). */
export interface DrillOutcome {
  app: string;
  kind: 'database' | 'media';
  status: string;
  tables?: number;
  rows?: number;
  files?: number;
  fileBytes?: number;
  bytes?: number;
  restoreSeconds?: number;
  backup?: { key: string };
  error?: string;
  reason?: string;
}

/** What the drills need from the demo. */
export interface DrillContext {
  verify: DocumentContent;
  /** The server's environment the documents run with (S3 settings included). */
  env: Record<string, string | undefined>;
  say: (line?: string) => void;
}

/** Runs the Verify document for `app` with the parameters its schedule sends; returns the exit code and the report. */
export async function runVerifyDocument(
  context: DrillContext,
  app: string,
  serverEnv: Record<string, string> = {},
): Promise<{ exitCode: number | null; report: DrillOutcome; reports: DrillOutcome[]; run: DocumentRun }> {
  const parameters = { app, environment: 'live' };
  context.say(`\nSendCommand ${VERIFY_DOCUMENT_NAME} ${JSON.stringify(parameters)}`);
  const run = await runDocument({
    content: context.verify,
    parameters,
    agentBundle: AGENT_BUNDLE,
    env: { ...context.env, ...serverEnv },
  });
  const lines = run.stdout.trim().split('\n');
  const what = `the ${VERIFY_DOCUMENT_NAME} run for ${app}`;
  const report = parseReport(lines.at(-1), what, run.stderr);
  // Its reports in order: the media drill's (when the stack has a media server), then the database drill's.
  const reports = lines.filter((line) => line.startsWith('{')).map((line) => parseReport(line, what, run.stderr));
  return { exitCode: run.exitCode, report, reports, run };
}

/** One line per drill: status, what was compared, how long the restore took, which backup. */
export function describeDrill(report: DrillOutcome): string {
  const what =
    report.kind === 'media'
      ? `${report.files ?? '?'} files, ${report.fileBytes ?? '?'} bytes of files, the archive read whole`
      : report.tables === undefined
        ? 'not restored'
        : `${report.tables} tables compared, ${report.rows ?? '?'} rows, restoreSeconds ${report.restoreSeconds ?? '-'}`;
  const backup = report.backup?.key.split('/').pop() ?? '-';
  const why = report.error ?? report.reason;
  return `${report.status.padEnd(7)} ${report.app.padEnd(10)} ${report.kind.padEnd(8)} ${what}  (${backup})${why ? `\n          ${why}` : ''}`;
}

/** Throws unless the drill passed with exit 0 (the demo's drills of good backups must prove them). */
export function expectPassed(outcome: { exitCode: number | null; report: DrillOutcome }, what: string): void {
  if (outcome.exitCode !== 0 || outcome.report.status !== 'passed')
    throw new Error(
      `${what} did not pass (exit ${outcome.exitCode}, status ${outcome.report.status}): ${outcome.report.error ?? outcome.report.reason ?? ''}`,
    );
}

/**
 * Replaces the object at `key` with another file's bytes, as a bad actor or a broken tool with write
 * access to the bucket could (servers cannot: they write only new keys). Its `.sha256` stays.
 */
export async function replaceObject(s3: S3Client, input: { bucket: string; key: string; file: string }): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: input.bucket, Key: input.key, Body: readFileSync(input.file) }));
}

function parseReport(line: string | undefined, what: string, stderr: string): DrillOutcome {
  try {
    const report = JSON.parse(line ?? '') as DrillOutcome;
    if (typeof report.status !== 'string') throw new Error('no status');
    return report;
  } catch {
    throw new Error(`${what} printed no JSON report as its last line (got ${JSON.stringify(line)}); stderr: ${stderr}`);
  }
}
