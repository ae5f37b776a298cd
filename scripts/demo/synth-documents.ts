/**
 * The demo's CDK synths, in a child process of their own: CDK and esbuild print bundling progress straight
 * to the terminal (esbuild as a child with inherited descriptors), so the demo runs this file with its
 * output captured and shows it only when a synth fails. Input (argv[2]): JSON with the workspace folders,
 * the two media servers and the bucket; output: the documents, resolved for this machine, written as JSON
 * to the `out` file it names. Two stacks, as two fleets would deploy them: the worked example (media
 * archives; its backup, restore-media and verify documents) and the same with cdk.json `media.mode`
 * `snapshot`, pointed at the media server whose key is bound to the gate (its backup document).
 */
import { writeFileSync } from 'node:fs';
import { BACKUP_DOCUMENT_NAME, RESTORE_MEDIA_DOCUMENT_NAME, VERIFY_DOCUMENT_NAME } from '../../common/names';
import { type DocumentContent, localStackDocuments } from '../../test/infra/document-runner';
import type { LocalSshd } from '../../test/services/sshd';
import type { Workspace } from '../../test/services/workspace';

type MediaServer = Pick<LocalSshd, 'host' | 'port' | 'user' | 'remoteRoot' | 'knownHostsFile' | 'identityFile'>;

/** What the child needs: plain data, no open servers. */
export interface SynthInput {
  out: string;
  bucket: string;
  ws: Pick<Workspace, 'root' | 'appsDir' | 'backupsDir' | 'tmpDir'>;
  sshd: MediaServer;
  /** The snapshot-mode media server (test/services/media-gate.ts); its path is flat: the gate scopes each app. */
  snapshotSshd: MediaServer;
}

/** What the child writes. */
export interface SynthOutput {
  backup: DocumentContent;
  restoreMedia: DocumentContent;
  verify: DocumentContent;
  /** The Backopper-Backup document of the stack with `media.mode: snapshot`. */
  snapshotBackup: DocumentContent;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SynthInput;
const stack = (sshd: MediaServer) => ({
  ws: input.ws as Workspace,
  bucket: input.bucket,
  sshd: sshd as LocalSshd,
  media: { identityFile: sshd.identityFile },
});
const archive = localStackDocuments(stack(input.sshd), [
  BACKUP_DOCUMENT_NAME,
  RESTORE_MEDIA_DOCUMENT_NAME,
  VERIFY_DOCUMENT_NAME,
]);
const snapshot = localStackDocuments(
  { ...stack(input.snapshotSshd), mediaMode: 'snapshot', mediaPath: input.snapshotSshd.remoteRoot },
  [BACKUP_DOCUMENT_NAME],
);
const documents: SynthOutput = {
  backup: archive[BACKUP_DOCUMENT_NAME]!,
  restoreMedia: archive[RESTORE_MEDIA_DOCUMENT_NAME]!,
  verify: archive[VERIFY_DOCUMENT_NAME]!,
  snapshotBackup: snapshot[BACKUP_DOCUMENT_NAME]!,
};
writeFileSync(input.out, JSON.stringify(documents));
