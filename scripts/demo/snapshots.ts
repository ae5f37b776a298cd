/**
 * The demo's snapshot mode (issue 23): a media-only app on a fleet whose stack sets cdk.json `media.mode`
 * to `snapshot`, backed up twice by that stack's Backopper-Backup document into a media server whose key
 * is bound to the gate (rsync --link-dest), with a small change to its uploads in between. What each run
 * put in its snapshot (files, bytes) against what it sent shows that the second run sends the change only.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKUP_DOCUMENT_NAME } from '../../common/names';
import { AGENT_BUNDLE } from '../../test/services/agent';
import { type DocumentContent, runDocument } from '../../test/infra/document-runner';
import { writeMediaFiles } from '../../test/services/sample-app';

/** The snapshot-mode app: media only (engine none), WordPress layout. */
export const SNAPSHOT_APP = 'acme-photos';

/** What one snapshot run reported, in numbers. */
export interface SnapshotRun {
  snapshot: string;
  files: number;
  bytes: number;
  bytesSent: number;
  linkedFrom?: string;
}

/** Writes the app: uploads of 40 files of 16 KiB (and a unicode-named one); returns its uploads folder. */
export function writeSnapshotApp(appsDir: string): string {
  const uploads = join(appsDir, SNAPSHOT_APP, 'public', 'wp-content', 'uploads');
  mkdirSync(uploads, { recursive: true });
  writeMediaFiles(uploads, 40, 16_384);
  return uploads;
}

/** The site changes between runs: one new upload, one edited. */
export function changeUploads(uploads: string): void {
  writeFileSync(join(uploads, 'new-upload.jpg'), 'a photo uploaded between the two runs\n');
  appendFileSync(join(uploads, 'image-1.jpg'), 'edited\n');
}

/** Runs the snapshot stack's backup document for the app; throws with its output unless it succeeded. */
export async function runSnapshotBackup(input: {
  content: DocumentContent;
  env: Record<string, string | undefined>;
  say: (line?: string) => void;
}): Promise<SnapshotRun> {
  const parameters = {
    app: SNAPSHOT_APP,
    environment: 'live',
    engine: 'none',
    projectType: 'wordpress',
    executionTimeout: '3600',
  };
  input.say(`\nSendCommand ${BACKUP_DOCUMENT_NAME} (the snapshot stack's) ${JSON.stringify(parameters)}`);
  const run = await runDocument({ content: input.content, parameters, agentBundle: AGENT_BUNDLE, env: input.env });
  const lines = run.stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) if (/\] (media|transfer) /.test(line)) input.say(`  ${line}`);
  if (run.exitCode !== 0) throw new Error(`the snapshot backup exited ${run.exitCode}: ${run.stdout}${run.stderr}`);
  const steps = (JSON.parse(lines.at(-1) ?? '{}') as { steps?: Record<string, Record<string, unknown>> }).steps ?? {};
  const media = steps.media as { manifest?: { files: number; bytes: number } } | undefined;
  const transfer = steps.transfer as { path?: string; bytesSent?: number; linkedFrom?: string } | undefined;
  if (!media?.manifest || !transfer?.path || typeof transfer.bytesSent !== 'number')
    throw new Error(`the snapshot run reported no manifest, path or bytesSent: ${lines.at(-1)}`);
  return {
    snapshot: transfer.path,
    files: media.manifest.files,
    bytes: media.manifest.bytes,
    bytesSent: transfer.bytesSent,
    ...(transfer.linkedFrom ? { linkedFrom: transfer.linkedFrom } : {}),
  };
}

/** One line per run: what the snapshot holds against what went over the wire. */
export function describeSnapshotRun(label: string, run: SnapshotRun): string {
  const linked = run.linkedFrom ? `, unchanged files hard-linked to ${run.linkedFrom}` : ', nothing to link to';
  return `  ${label}: snapshot holds ${run.files} files, ${run.bytes} bytes; sent ${run.bytesSent} bytes${linked}`;
}
