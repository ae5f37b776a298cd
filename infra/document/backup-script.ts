/**
 * The shell script of the backup document's run step, as pure data. It runs as root under the SSM
 * agent with POSIX `sh`, so it is written for `sh` (dash on Ubuntu), not bash.
 *
 * Values from the stack's configuration are validated at synth and single-quoted here; the four
 * document parameters arrive as `SSM_<name>` environment variables (interpolationType ENV_VAR) and
 * are only ever expanded inside double quotes, never pasted into the script's text.
 */
import type { AgentConfig, MediaConfig } from '../config';
import {
  type AgentCopySettings,
  mediaServerExports,
  renderAgentCopy,
  renderAgentRun,
  renderExports,
  renderMessageFunctions,
  renderNodeCheck,
  renderParameterFallbacks,
  renderParameterFetch,
  renderWorkDir,
  shellQuote,
} from './script-parts';

/** Everything the run step needs from the stack. Strings may be CDK tokens (bucket name, region). */
export interface BackupScriptSettings extends AgentCopySettings {
  region: string;
  bucket: string;
  agent: AgentConfig;
  media?: MediaConfig;
  /** The schedule's time zone: calendar boundaries of the retention tiers and media keeps are counted in it. @default - the agent's (UTC) */
  timeZone?: string;
  /** SecureString parameter with the secret the agent's report POST sends (only with agent.reportUrl). */
  reportSecretParameter?: string;
  /** Header the report secret goes in. */
  reportSecretHeader?: string;
}

/** The document parameters passed to the agent, in the order of its flags. */
export const AGENT_PARAMETERS = [
  { name: 'app', flag: '--app' },
  { name: 'environment', flag: '--environment' },
  { name: 'engine', flag: '--engine' },
  { name: 'projectType', flag: '--project-type' },
] as const;

/** Renders the run step's script, one array entry per line (the form `runCommand` takes). */
export function renderBackupScript(settings: BackupScriptSettings): string[] {
  const { agent, media } = settings;
  const exports: Array<[string, string | undefined]> = [
    ['AWS_REGION', settings.region],
    ['BACKOPPER_BUCKET', settings.bucket],
    ['BACKOPPER_APPS_DIR', agent.appsDir],
    ['BACKOPPER_BACKUPS_DIR', agent.backupsDir],
    ['BACKOPPER_KEEP_LOCAL', String(agent.keepLocal)],
    ['BACKOPPER_MAX_PENDING_UPLOADS', String(agent.maxPendingUploads)],
    ['BACKOPPER_TIMEZONE', settings.timeZone],
    ['BACKOPPER_TMP_DIR', agent.tmpDir],
    ...mediaServerExports(media),
    ['BACKOPPER_MEDIA_KEEP', media ? String(media.keep) : undefined],
    ['BACKOPPER_MEDIA_KEEP_WEEKLY', media ? String(media.keepWeekly) : undefined],
    ['BACKOPPER_MEDIA_KEEP_MONTHLY', media ? String(media.keepMonthly) : undefined],
    ['BACKOPPER_MEDIA_MODE', media?.mode === 'snapshot' ? 'snapshot' : undefined],
    ['BACKOPPER_REPORT_URL', agent.reportUrl],
    ['BACKOPPER_REPORT_SECRET_HEADER', agent.reportUrl ? settings.reportSecretHeader : undefined],
  ];
  return [
    'set -eu',
    // Everything this run writes (key, known_hosts, the agent copy) is private to root.
    'umask 077',
    '# Parameters arrive as SSM_<name> (interpolationType ENV_VAR, SSM Agent >= 3.3.2746.0). Older agents',
    "# paste the {{ }} text instead, which each parameter's allowedPattern keeps to plain characters.",
    ...renderParameterFallbacks(AGENT_PARAMETERS.map(({ name }) => name)),
    '',
    ...renderMessageFunctions(),
    ...renderWorkDir(),
    '',
    ...renderNodeCheck(agent.nodePath),
    '',
    ...renderAgentCopy(settings),
    '',
    ...renderExports(exports),
    'secrets_ok=1',
    ...renderMediaSecrets(settings),
    ...renderReportSecret(settings),
    '',
    // Every run refreshes this server's app inventory (Custom:BackopperApps) for the inventory collection.
    'if [ -n "${AWS_SSM_INSTANCE_ID:-}" ] && ! "$node" "$work/backopper-agent.js" inventory --environment "$SSM_environment" > /dev/null; then',
    '  say "could not refresh this server\'s app inventory; the backup goes on" >&2',
    'fi',
    'say "backing up $SSM_app ($SSM_environment, engine $SSM_engine, $SSM_projectType) with $("$node" --version) on $(uname -n)"',
    // The command goes to every server of the environment; only the one(s) holding the app back it up.
    // An app missing everywhere is caught by the freshness monitor, not by failing on every other server.
    ...renderAgentRun(
      `"$node" "$work/backopper-agent.js" backup ${AGENT_PARAMETERS.map(({ name, flag }) => `${flag} "$SSM_${name}"`).join(' ')} --skip-absent`,
    ),
  ];
}

/** Writes the media server key and known_hosts the stack holds into the run's work folder, and points the agent at them. */
export function renderMediaSecrets(settings: Pick<BackupScriptSettings, 'media'>): string[] {
  const media = settings.media;
  const lines: string[] = [];
  if (media?.hostKeys) {
    lines.push(
      ...media.hostKeys.map(
        (line, index) => `printf '%s\\n' ${shellQuote(line)} ${index === 0 ? '>' : '>>'} "$work/known_hosts"`,
      ),
      'export BACKOPPER_MEDIA_KNOWN_HOSTS="$work/known_hosts"',
    );
  }
  if (media?.identityParameter) {
    lines.push(
      'export BACKOPPER_MEDIA_IDENTITY="$work/media-key"',
      ...renderParameterFetch({
        parameter: media.identityParameter,
        into: '"$work/media-key"',
        what: 'the media server key',
      }),
    );
  }
  return lines;
}

function renderReportSecret(settings: BackupScriptSettings): string[] {
  if (!settings.agent.reportUrl || !settings.reportSecretParameter) return [];
  return [
    ...renderParameterFetch({
      parameter: settings.reportSecretParameter,
      into: '"$work/report-secret"',
      what: 'the report secret',
    }),
    // In the agent's environment only (readable by root alone), never on a command line.
    'if [ -s "$work/report-secret" ]; then BACKOPPER_REPORT_SECRET=$(cat "$work/report-secret"); export BACKOPPER_REPORT_SECRET; fi',
  ];
}
