/**
 * The shell pieces the backup and verify run steps share (POSIX `sh`, as root under the SSM agent):
 * parameter fallbacks, a private work folder, the Node.js and bundle checks, SecureString fetches,
 * and running the agent so that its JSON run report stays the last line of stdout.
 */
import type { MediaConfig } from '../config';

/** The oldest Node.js major version the agent bundle runs on. */
export const MINIMUM_NODE_MAJOR = 20;

/** Where the download step left the agent bundle, and the hash it must have. */
export interface AgentCopySettings {
  /** Folder the download step writes the agent bundle into. */
  downloadDir: string;
  /** The bundle's file name in that folder. */
  agentFileName: string;
  /** Expected SHA-256 of the bundle; anything else is refused. */
  agentSha256: string;
}

/** Quotes a value for `sh`: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** `SSM_<name>` from the `{{ name }}` text when the SSM agent did not set it (older agents). */
export function renderParameterFallbacks(names: readonly string[]): string[] {
  return names.map((name) => `if [ -z "\${SSM_${name}+x}" ]; then SSM_${name}="{{ ${name} }}"; fi`);
}

/** `say` to stdout, `fail` to stderr with exit status 2. */
export function renderMessageFunctions(): string[] {
  return ['say() { printf "backopper: %s\\n" "$*"; }', 'fail() { printf "backopper: %s\\n" "$*" >&2; exit 2; }'];
}

/** `export NAME='value'` for every entry with a value. */
/** How the agent reaches the media server: the `BACKOPPER_MEDIA_*` exports every media-touching document sets. */
export function mediaServerExports(media: MediaConfig | undefined): Array<[string, string | undefined]> {
  return [
    ['BACKOPPER_MEDIA_HOST', media?.host],
    ['BACKOPPER_MEDIA_PORT', media ? String(media.port) : undefined],
    ['BACKOPPER_MEDIA_USER', media?.user],
    ['BACKOPPER_MEDIA_PATH', media?.path],
    ['BACKOPPER_MEDIA_IDENTITY', media?.identityFile],
    ['BACKOPPER_MEDIA_KNOWN_HOSTS', media?.knownHostsFile],
  ];
}

export function renderExports(entries: Array<[string, string | undefined]>): string[] {
  return entries
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

/** The known private folder (0700) that holds every run's `$work` folder: `<TMPDIR>/backopper-document`. */
export const WORK_FOLDERS = '${TMPDIR:-/tmp}/backopper-document';

/**
 * A private `$work` folder (it holds the media server's key: ssh needs a real 0600 file), removed on
 * exit; a signal exits 128+n so the removal still runs. SIGKILL (SSM's execution timeout kills the
 * process group) runs no trap, so every work folder lives in {@link WORK_FOLDERS}, is named after its
 * shell's pid and records that shell's pid, start time (/proc/<pid>/stat field 22) and boot id; each
 * run first removes the folders whose shell is gone, and the pid-less folders of older versions
 * (`<TMPDIR>/backopper.XXXXXX`) once they are a day old.
 */
export function renderWorkDir(): string[] {
  return [
    `runs="${WORK_FOLDERS}"`,
    'mkdir -p "$runs"',
    // Root writes a key in there: never through a link or into someone else's folder.
    '{ [ -d "$runs" ] && [ ! -L "$runs" ] && [ -O "$runs" ]; } || fail "$runs is not a folder of $(id -un)"',
    'chmod 700 "$runs"',
    'boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)',
    // A process's start time (/proc/<pid>/stat field 22), empty when it is gone (or a zombie).
    `started() { stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0; case "$stat" in Z*|X*) return 0 ;; esac; printf '%s' "$stat" | cut -d ' ' -f 20; }`,
    'for stale in "$runs"/*; do',
    '  [ -d "$stale" ] || continue',
    '  owner_pid=${stale##*/}',
    '  owner_pid=${owner_pid%%.*}',
    '  owner=$(cat "$stale/owner" 2>/dev/null || true)',
    '  if [ -n "$owner" ] && [ "$owner" = "$owner_pid $(started "$owner_pid") $boot_id" ]; then continue; fi',
    // No owner line yet: its shell is between mktemp and printf, if it still runs.
    '  if [ -z "$owner" ] && [ -d "/proc/$owner_pid" ]; then continue; fi',
    '  rm -rf "$stale"',
    'done',
    'find "${TMPDIR:-/tmp}" -maxdepth 1 -type d -name "backopper.??????" -mmin +1440 -exec rm -rf {} + 2>/dev/null || true',
    'work=$(mktemp -d "$runs/$$.XXXXXX")',
    `printf '%s %s %s\\n' "$$" "$(started $$)" "$boot_id" > "$work/owner"`,
    `trap 'rm -rf "$work"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 130' INT`,
    `trap 'exit 143' TERM`,
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
export function renderAgentCopy(settings: AgentCopySettings): string[] {
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

/**
 * Runs `agentCommand` and exits with its status, or 1 when it succeeded but a secret (`secrets_ok`)
 * could not be fetched.
 */
export function renderAgentRun(agentCommand: string, options: { earlierStatus?: string } = {}): string[] {
  return [
    'set +e',
    agentCommand,
    'status=$?',
    'set -e',
    // An earlier agent run of the same command (the media drill before the database drill) that failed.
    ...(options.earlierStatus
      ? [`if [ "$status" -eq 0 ] && [ "$${options.earlierStatus}" -ne 0 ]; then status=$${options.earlierStatus}; fi`]
      : []),
    // A secret that could not be fetched must still reach a person even if the agent managed without it.
    'if [ "$status" -eq 0 ] && [ "$secrets_ok" -ne 1 ]; then status=1; fi',
    // To stderr: the agent's JSON run report stays the last line of the command's stdout.
    'say "agent exited with status $status" >&2',
    'exit "$status"',
  ];
}

/**
 * The document's first step: is the app on this server? Exits 0 when its folder exists, so the
 * download and run steps follow; otherwise says so and exits 1, which the step's
 * `onFailure: successAndExit` turns into the end of the document with status Success. A server the
 * command reaches without the app (the tag fallback) downloads nothing and fetches no secret.
 */
export function renderAppCheck(appsDir: string, refresh?: InventoryRefreshSettings): string[] {
  return [
    'set -eu',
    ...renderParameterFallbacks(['app', 'environment']),
    `apps_dir=${shellQuote(appsDir)}`,
    'if [ -d "$apps_dir/$SSM_app" ]; then exit 0; fi',
    ...(refresh ? renderInventoryRefresh(appsDir, refresh) : []),
    'printf "backopper: skipped: %s is not on this server (%s, no %s): nothing downloaded or fetched\\n" "$SSM_app" "$(uname -n)" "$apps_dir/$SSM_app"',
    // The agent's report shape, so status and run count this server as skipped (the parameters' patterns keep it valid JSON).
    `printf '{"app":"%s","environment":"%s","status":"skipped","error":"%s is not on this server (no %s)"}\\n' "$SSM_app" "$SSM_environment" "$SSM_app" "$apps_dir/$SSM_app"`,
    'exit 1',
  ];
}

/** What the check step needs to refresh the inventory: the agent a previous run downloaded, and node. */
export interface InventoryRefreshSettings extends AgentCopySettings {
  nodePath?: string;
}

/**
 * A server without the app rewrites its app inventory before the check step ends the document, so a
 * schedule aimed at it by a stale report is moved by the next sync (after the inventory association
 * uploads it) instead of skipping silently every night. Nothing is downloaded on such a server: it runs
 * the agent an earlier run left in the download folder, and only when its SHA-256 is this document's
 * bundle; otherwise it says why on stderr (the daily inventory association refreshes it later). Runs in
 * a subshell with its output on stderr: it never changes the step's report or exit status.
 */
export function renderInventoryRefresh(appsDir: string, settings: InventoryRefreshSettings): string[] {
  const body = [
    ...renderMessageFunctions(),
    `export BACKOPPER_APPS_DIR=${shellQuote(appsDir)}`,
    ...renderWorkDir(),
    ...renderNodeCheck(settings.nodePath),
    ...renderAgentCopy(settings),
    // errexit is off inside an `if` condition, so every failure here says so and exits itself.
    '"$node" "$work/backopper-agent.js" inventory --environment "$SSM_environment" > /dev/null || fail "the agent\'s inventory command failed"',
    'say "refreshed this server\'s app inventory: $SSM_app is not in it"',
  ];
  return [
    'if [ -n "${AWS_SSM_INSTANCE_ID:-}${BACKOPPER_INVENTORY_FILE:-}" ]; then',
    '  if ! (',
    ...body.map((line) => `    ${line}`),
    '  ) >&2; then',
    '    printf "backopper: could not refresh this server\'s app inventory (the daily inventory association will)\\n" >&2',
    '  fi',
    'fi',
  ];
}
