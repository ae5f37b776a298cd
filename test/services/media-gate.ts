import { resolve } from 'node:path';
import { type LocalSshd, type SshdOptions, startSshd } from './sshd';

/** The media server's forced command for snapshot mode, as docs/snapshots.md installs it. */
export const MEDIA_GATE = resolve(__dirname, '../../scripts/media-server/backopper-media-gate');

/**
 * A loopback sshd set up as a snapshot-mode media server: the client key bound to the gate with the
 * remote root as its folder; agent settings in `env` with BACKOPPER_MEDIA_MODE=snapshot and the flat
 * media path (no `{app}`), so the snapshot folders' own scoping is what keeps apps apart.
 */
export async function startSnapshotServer(options: SshdOptions = {}): Promise<LocalSshd> {
  const setEnv = (options.extraConfig ?? []).filter((line) => line.startsWith('SetEnv '));
  const sshd = await startSshd({
    forcedCommand: (root) => `${MEDIA_GATE} ${root}`,
    ...options,
    // bash sources ~/.bashrc for ssh sessions at SHLVL < 2; a test machine's .bashrc (pyenv init) costs
    // seconds per session, which a media server's account does not have.
    // sshd takes the first SetEnv line only: one line for all of them.
    extraConfig: [
      ['SetEnv SHLVL=2', ...setEnv.map((line) => line.slice('SetEnv '.length))].join(' '),
      ...(options.extraConfig ?? []).filter((line) => !line.startsWith('SetEnv ')),
    ],
  });
  sshd.env.BACKOPPER_MEDIA_MODE = 'snapshot';
  sshd.env.BACKOPPER_MEDIA_PATH = sshd.remoteRoot;
  return sshd;
}
