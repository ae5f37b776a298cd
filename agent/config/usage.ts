/**
 * The agent's help texts. Each command's settings are printed from the table the config reads
 * ({@link SETTINGS}), so the help lists every setting and cannot drift from what is read. Pure.
 */
import { type AgentCommand, SETTINGS, type SettingSpec } from './settings';

const EXIT = 'Exit status: 0 every enabled step succeeded, 1 a step failed, 2 bad invocation or configuration.';

const COMMANDS: Record<AgentCommand, { synopsis: string; about: string; exit: string }> = {
  backup: {
    synopsis:
      'backup --app <name> --environment <env> --engine mysql|postgres|none --project-type <type> [--dry-run [--json]]',
    about: `Dumps the app's database, uploads it to S3 with its .sha256, applies the local retention, and tars and
  sends its media. --dry-run reads the .env, connects as the app's database user and checks what the dump
  needs (exit 1 if the real run would fail there), prints the plan, and writes nothing.`,
    exit: `${EXIT} The last stdout line is the JSON run report.`,
  },
  drill: {
    synopsis:
      'drill --app <name> --environment <env> [--at <unix seconds|ISO time> | --key <s3 key> | --rotate] [--media]',
    about: `Downloads the dump from S3 (the newest, or the one named), checks its sha256, restores it into a scratch
  database (MariaDB: root over the unix socket; PostgreSQL: the postgres role; or BACKOPPER_DRILL_ADMIN_URL),
  compares it with the manifest recorded with the dump (every object, every table's rows), drops the scratch
  database whatever happened, and writes its record to s3://<bucket>/<app>/<env>/drills/<ts>_<host>.json.
  --media fetches the run's media archive from the media server, checks its sha256 and reads it whole.
  \`verify\` is an alias of drill.`,
    exit: 'Exit status: 0 everything matched, 1 it did not or the drill failed, 2 bad invocation. The last stdout line is the JSON report (status passed|failed|skipped, differences, bytes, restoreSeconds).',
  },
  inventory: {
    synopsis: 'inventory --environment <env> [--inventory-file <path>]',
    about: `Writes the apps this server holds (folders with a .env under the apps folder) as SSM custom inventory
  Custom:BackopperApps (default file: /var/lib/amazon/ssm/$AWS_SSM_INSTANCE_ID/inventory/custom/BackopperApps.json).`,
    exit: 'Exit status: 0 written, 1 failed, 2 bad invocation. The last stdout line is the JSON report.',
  },
  'restore-media': {
    synopsis:
      'restore-media --app <name> --environment <env> --archive <host:path or <app>+<env>+media_<ts>_<host>.tar.gz> --sha256 <hex> [--project-type <type>]',
    about: `Fetches a media archive from the media server, checks its sha256, extracts it into <media folder>.restored-<ts>
  beside the live folder (never touched) and prints the two mv commands of the swap.`,
    exit: 'Exit status: 0 restored, 1 failed (a sha256 mismatch deletes the download), 2 bad invocation. The last stdout line is the JSON result.',
  },
};

/** The agent's commands, in help order. */
export const AGENT_COMMANDS = Object.keys(COMMANDS) as AgentCommand[];
const ORDER = AGENT_COMMANDS;

const SDK_SETTINGS = `Also read: AWS_REGION, AWS_ENDPOINT_URL_S3 (path-style when set), AWS_MAX_ATTEMPTS (default 3) and the
  instance role (the AWS SDK's own settings); AWS_SSM_INSTANCE_ID (set by the SSM agent; inventory).`;

/** One setting in two lines: flag, variable and default, then its meaning (and its commands in the overview). */
function describeSetting(spec: SettingSpec, showCommands: boolean): string {
  const flag = spec.boolean ? `--${spec.flag}` : `--${spec.flag} <${spec.placeholder ?? 'value'}>`;
  const fallback = spec.defaultText ?? spec.fallback ?? 'unset';
  const commands = showCommands && spec.commands.length < ORDER.length ? ` [${spec.commands.join(', ')}]` : '';
  return `  ${flag.padEnd(36)} ${spec.variable.padEnd(36)} default: ${fallback}\n      ${spec.help}${commands}`;
}

/** The settings section: every setting `command` reads, or (no command) every setting of the agent. */
export function formatSettings(command?: AgentCommand): string {
  const specs = (Object.values(SETTINGS) as SettingSpec[]).filter((s) => !command || s.commands.includes(command));
  return [
    'Settings (a flag wins over its variable, which wins over the default; README "Configuration" has the details):',
    ...specs.map((spec) => describeSetting(spec, !command)),
  ].join('\n');
}

/** `backopper-agent <command> --help`. */
export function commandUsage(command: AgentCommand): string {
  const { synopsis, about, exit } = COMMANDS[command];
  return `usage: backopper-agent ${synopsis} [--<setting> <value>...]\n  ${about}\n${formatSettings(command)}\n${exit}\n`;
}

/** `backopper-agent --help` (and no arguments at all): every command, every setting. */
export function agentUsage(): string {
  const synopses = ORDER.map(
    (command, i) => `${i === 0 ? 'usage:' : '      '} backopper-agent ${COMMANDS[command].synopsis}`,
  );
  return `${synopses.join('\n')}\n${formatSettings()}\n${SDK_SETTINGS}\n${EXIT} The last stdout line is the JSON report.
Run \`backopper-agent <command> --help\` for a command, \`backopper-agent --version\` for the version and bundle sha256.\n`;
}

/** The commands that have a usage. */
export function isAgentCommand(name: string | undefined): name is AgentCommand {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}
