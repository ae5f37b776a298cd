/**
 * The demo's CDK synth, in a child process of its own: CDK and esbuild print bundling progress straight
 * to the terminal (esbuild as a child with inherited descriptors), so the demo runs this file with its
 * output captured and shows it only when the synth fails. Input (argv[2]): JSON with the workspace
 * folders, the media server and the bucket; output: the backup and restore-media documents, resolved
 * for this machine, written as JSON to the `out` file it names.
 */
import { writeFileSync } from 'node:fs';
import { RESTORE_MEDIA_DOCUMENT_NAME } from '../../common/names';
import { localStackDocument } from '../../test/infra/document-runner';
import type { LocalSshd } from '../../test/services/sshd';
import type { Workspace } from '../../test/services/workspace';

/** What the child needs: plain data, no open servers. */
export interface SynthInput {
  out: string;
  bucket: string;
  ws: Pick<Workspace, 'root' | 'appsDir' | 'backupsDir' | 'tmpDir'>;
  sshd: Pick<LocalSshd, 'host' | 'port' | 'user' | 'remoteRoot' | 'knownHostsFile' | 'identityFile'>;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SynthInput;
const common = {
  ws: input.ws as Workspace,
  bucket: input.bucket,
  sshd: input.sshd as LocalSshd,
  media: { identityFile: input.sshd.identityFile },
};
const documents = {
  backup: localStackDocument(common),
  restoreMedia: localStackDocument({ ...common, document: RESTORE_MEDIA_DOCUMENT_NAME }),
};
writeFileSync(input.out, JSON.stringify(documents));
