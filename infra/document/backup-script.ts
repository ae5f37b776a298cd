/**
 * The shell script of the backup document's run step, as pure data. It runs as root under the SSM
 * agent with POSIX `sh`, so it is written for `sh` (dash on Ubuntu), not bash.
 *
 * Values from the stack's configuration are validated at synth and single-quoted here; the four
 * document parameters arrive as `SSM_<name>` environment variables (interpolationType ENV_VAR) and
 * are only ever expanded inside double quotes, never pasted into the script's text.
 */
import type { AgentConfig, MediaConfig } from '../config';

/** Everything the run step needs from the stack. Strings may be CDK tokens (bucket name, region). */
export interface BackupScriptSettings {
  /** Folder the download step writes the agent bundle into. */
  downloadDir: string;
  /** The bundle's file name in that folder. */
  agentFileName: string;
  /** Expected SHA-256 of the bundle; anything else is refused. */
  agentSha256: string;
  region: string;
  bucket: string;
  agent: AgentConfig;
  media?: MediaConfig;
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

/** The oldest Node.js major version the agent bundle runs on. */
export const MINIMUM_NODE_MAJOR = 20;

/** Quotes a value for `sh`: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** Renders the run step's script, one array entry per line (the form `runCommand` takes). */
export function renderBackupScript(settings: BackupScriptSettings): string[] {
  const { agent, media } = settings;
  const exports: Array<[string, string | undefined]> = [
    ['AWS_REGION', settings.region],
    ['BACKOPPER_BUCKET', settings.bucket],
    ['BACKOPPER_APPS_DIR', agent.appsDir],
    ['BACKOPPER_BACKUPS_DIR', agent.backupsDir],
    ['BACKOPPER_KEEP_LOCAL', String(agent.keepLocal)],
    ['BACKOPPER_TMP_DIR', agent.tmpDir],
    ['BACKOPPER_MEDIA_HOST', media?.host],
    ['BACKOPPER_MEDIA_PORT', media ? String(media.port) : undefined],
    ['BACKOPPER_MEDIA_USER', media?.user],
    ['BACKOPPER_MEDIA_PATH', media?.path],
    ['BACKOPPER_MEDIA_IDENTITY', media?.identityFile],
    ['BACKOPPER_MEDIA_KNOWN_HOSTS', media?.knownHostsFile],
    ['BACKOPPER_REPORT_URL', agent.reportUrl],
    ['BACKOPPER_REPORT_SECRET_HEADER', agent.reportUrl ? settings.reportSecretHeader : undefined],
  ];
  return [
    'set -eu',
    // Everything this run writes (key, known_hosts, the agent copy) is private to root.
    'umask 077',
    '# Parameters arrive as SSM_<name> (interpolationType ENV_VAR, SSM Agent >= 3.3.2746.0). Older agents',
    "# paste the {{ }} text instead, which each parameter's allowedPattern keeps to plain characters.",
    ...AGENT_PARAMETERS.map(({ name }) => `if [ -z "\${SSM_${name}+x}" ]; then SSM_${name}="{{ ${name} }}"; fi`),
    '',
    'say() { printf "backopper: %s\\n" "$*"; }',
    'fail() { printf "backopper: %s\\n" "$*" >&2; exit 2; }',
    'work=$(mktemp -d "${TMPDIR:-/tmp}/backopper.XXXXXX")',
    `trap 'rm -rf "$work"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 130' INT`,
    `trap 'exit 143' TERM`,
    '',
    ...renderNodeCheck(agent.nodePath),
    '',
    ...renderAgentCopy(settings),
    '',
    ...exports.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    'secrets_ok=1',
    ...renderMediaSecrets(settings),
    ...renderReportSecret(settings),
    '',
    'say "backing up $SSM_app ($SSM_environment, engine $SSM_engine, $SSM_projectType) with $("$node" --version) on $(uname -n)"',
    'set +e',
    // The command goes to every server of the environment; only the one(s) holding the app back it up.
    // An app missing everywhere is caught by the freshness monitor, not by failing on every other server.
    `"$node" "$work/backopper-agent.js" backup ${AGENT_PARAMETERS.map(({ name, flag }) => `${flag} "$SSM_${name}"`).join(' ')} --skip-absent`,
    'status=$?',
    'set -e',
    // A secret that could not be fetched must still reach a person even if the agent managed without it.
    'if [ "$status" -eq 0 ] && [ "$secrets_ok" -ne 1 ]; then status=1; fi',
    // To stderr: the agent's JSON run report stays the last line of the command's stdout.
    'say "agent exited with status $status" >&2',
    'exit "$status"',
  ];
}

/** Finds `node` and requires version >= {@link MINIMUM_NODE_MAJOR}, else exits 2 saying so. */
export function renderNodeCheck(nodePath: string | undefined): string[] {
  const candidates = nodePath ? shellQuote(nodePath) : '"$(command -v node || true)" /usr/local/bin/node /usr/bin/node';
  return [
    'node=""',
    `for candidate in ${candidates}; do`,
    '  if [ -n "$candidate" ] && [ -x "$candidate" ]; then node=$candidate; break; fi',
    'done',
    `[ -n "$node" ] || fail "Node.js >= ${MINIMUM_NODE_MAJOR} is required on this server, but no node was found${nodePath ? ` at ${nodePath}` : ' on PATH, in /usr/local/bin or /usr/bin'}"`,
    `node_major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)`,
    `[ "$node_major" -ge ${MINIMUM_NODE_MAJOR} ] 2>/dev/null || fail "Node.js >= ${MINIMUM_NODE_MAJOR} is required on this server, but $node is $("$node" --version 2>/dev/null || echo unusable)"`,
  ];
}

/** Copies the downloaded bundle into `$work` and refuses to run it unless its SHA-256 is the built one. */
export function renderAgentCopy(settings: Pick<BackupScriptSettings, 'downloadDir' | 'agentFileName' | 'agentSha256'>): string[] {
  return [
    `download_dir=${shellQuote(settings.downloadDir)}`,
    `bundle="$download_dir/"${shellQuote(settings.agentFileName)}`,
    // aws:downloadContent treats the destination as a folder; accept a file there too.
    '[ -f "$bundle" ] || bundle=$download_dir',
    '[ -f "$bundle" ] || fail "the agent bundle was not downloaded to $download_dir"',
    // Run a private copy: another app's run may be re-downloading the shared file right now.
    'cp "$bundle" "$work/backopper-agent.js"',
    `expected=${shellQuote(settings.agentSha256)}`,
    'actual=$(sha256sum "$work/backopper-agent.js" | cut -d " " -f 1)',
    '[ "$actual" = "$expected" ] || fail "the agent bundle has SHA-256 $actual, expected $expected: refusing to run it"',
  ];
}

function renderMediaSecrets(settings: BackupScriptSettings): string[] {
  const media = settings.media;
  const lines: string[] = [];
  if (media?.hostKeys) {
    lines.push(
      ...media.hostKeys.map((line, index) => `printf '%s\\n' ${shellQuote(line)} ${index === 0 ? '>' : '>>'} "$work/known_hosts"`),
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
    ...renderParameterFetch({ parameter: settings.reportSecretParameter, into: '"$work/report-secret"', what: 'the report secret' }),
    // In the agent's environment only (readable by root alone), never on a command line.
    'if [ -s "$work/report-secret" ]; then BACKOPPER_REPORT_SECRET=$(cat "$work/report-secret"); export BACKOPPER_REPORT_SECRET; fi',
  ];
}

/** Fetches a SecureString into a 0600 file with the AWS CLI; on failure says so and carries on. */
export function renderParameterFetch(input: { parameter: string; into: string; what: string }): string[] {
  const name = shellQuote(input.parameter);
  return [
    'if ! command -v aws >/dev/null 2>&1; then',
    `  say "cannot fetch ${input.what}: the AWS CLI is not installed (install it, or configure a file on the server instead of the parameter)" >&2`,
    '  secrets_ok=0',
    `elif ! aws ssm get-parameter --region "$AWS_REGION" --name ${name} --with-decryption --query Parameter.Value --output text > ${input.into}; then`,
    `  say "cannot fetch ${input.what} from SSM parameter "${name} >&2`,
    `  rm -f ${input.into}`,
    '  secrets_ok=0',
    'fi',
  ];
}
