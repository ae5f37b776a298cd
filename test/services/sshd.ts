import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports';

/** A real OpenSSH server on loopback, accepting one key, serving sftp. */
export interface LocalSshd {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHostsFile: string;
  /** A known_hosts file that lists a different key for this server (for the "unknown host key" case). */
  wrongKnownHostsFile: string;
  /** A folder on the "remote" side to point BACKOPPER_MEDIA_PATH into. */
  remoteRoot: string;
  /** Agent settings to copy to this server, with BACKOPPER_MEDIA_PATH under `remoteRoot`. */
  env: Record<string, string>;
  /** Writes a known_hosts file that names this server's key at `127.0.0.1:<port>` (a proxy in front of it). */
  knownHostsFor(port: number): Promise<string>;
  /** What sshd logged so far (stderr, at the configured LogLevel). */
  log(): string;
  stop(): Promise<void>;
}

/** Options for {@link startSshd}. */
export interface SshdOptions {
  /** Extra sshd_config lines, e.g. `MaxStartups 1:100:1` to drop concurrent connections. */
  extraConfig?: string[];
  /** @default ERROR */
  logLevel?: 'ERROR' | 'INFO' | 'VERBOSE';
  /** Binds the client key to a forced command (authorized_keys `command="...",restrict`), given the remote root. */
  forcedCommand?: (remoteRoot: string) => string;
}

const SSHD = '/usr/sbin/sshd';

/** Starts sshd on a free loopback port. Needs openssh-server (scripts/prepare-machine.sh installs it). */
export async function startSshd(options: SshdOptions = {}): Promise<LocalSshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} not found: run scripts/prepare-machine.sh (apt-get install openssh-server)`);
  mkdirSync('/run/sshd', { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'backopper-sshd-'));
  const keygen = (name: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  keygen('host_key');
  keygen('client_key');
  keygen('other_host_key');
  const keyOptions = options.forcedCommand ? `command="${options.forcedCommand(join(dir, 'remote'))}",restrict ` : '';
  const clientKey = await readFile(join(dir, 'client_key.pub'), 'utf8');
  await writeFile(join(dir, 'authorized_keys'), keyOptions + clientKey, { mode: 0o600 });
  const port = await freePort();
  const hostLine = async (key: string) =>
    `[127.0.0.1]:${port} ${(await readFile(join(dir, `${key}.pub`), 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
  await writeFile(join(dir, 'known_hosts'), await hostLine('host_key'));
  await writeFile(join(dir, 'wrong_known_hosts'), await hostLine('other_host_key'));
  const remoteRoot = join(dir, 'remote');
  mkdirSync(remoteRoot);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    'Subsystem sftp internal-sftp',
    `LogLevel ${options.logLevel ?? 'ERROR'}`,
    ...(options.extraConfig ?? []),
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill();
    throw new Error(`sshd did not start: ${stderr}`, { cause: error });
  }
  const user = userInfo().username;
  return {
    host: '127.0.0.1',
    port,
    user,
    identityFile: join(dir, 'client_key'),
    knownHostsFile: join(dir, 'known_hosts'),
    wrongKnownHostsFile: join(dir, 'wrong_known_hosts'),
    remoteRoot,
    env: {
      BACKOPPER_MEDIA_HOST: '127.0.0.1',
      BACKOPPER_MEDIA_PORT: String(port),
      BACKOPPER_MEDIA_USER: user,
      BACKOPPER_MEDIA_PATH: join(remoteRoot, '{app}', '{environment}'),
      BACKOPPER_MEDIA_IDENTITY: join(dir, 'client_key'),
      BACKOPPER_MEDIA_KNOWN_HOSTS: join(dir, 'known_hosts'),
    },
    async knownHostsFor(proxyPort: number) {
      const file = join(dir, `known_hosts_${proxyPort}`);
      await writeFile(file, (await hostLine('host_key')).replace(`[127.0.0.1]:${port}`, `[127.0.0.1]:${proxyPort}`));
      return file;
    },
    log: () => stderr,
    async stop() {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
