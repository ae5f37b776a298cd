import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSftpCommand, buildUploadBatch } from '../../agent';
import { startSnapshotServer } from '../../test/services/media-gate';
import type { LocalSshd } from '../../test/services/sshd';
import type { BenchContext } from '../context';
import type { MediaSet } from '../data/media-data';
import { exec } from '../exec';
import { type Sample, measure } from '../measure';
import { agentCommand, clearOutputs } from '../setup';
import { atMost, type Row } from '../table';
import { sequential, summarize } from './samples';

const APP = 'bench-snap';
const RUNS_FOR_DISK = 7;
/** Rounds of the pruning comparison (more with --runs): one sample each is the machine's noise. */
const PRUNE_ROUNDS = 3;

/** Every file under `dir` (relative paths), sorted: the order the 1 % change picks from. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

/** Changes 1 % of the files of `dir` (half rewritten, half added beside them); returns the bytes changed. */
function changeOnePercent(dir: string, round: number): number {
  const files = listFiles(dir).filter((name) => !name.includes('added-'));
  const count = Math.max(2, Math.round(files.length / 100));
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const name = files[(round * 7919 + i * 104729) % files.length]!;
    const size = statSync(join(dir, name)).size;
    const target = i % 2 === 0 ? name : `${name}.added-${round}-${i}`;
    writeFileSync(join(dir, target), randomBytes(size));
    bytes += size;
  }
  return bytes;
}

/**
 * Snapshot mode (issue 23): the agent's `rsync --link-dest` snapshots against the archive mode and the
 * rsnapshot way by hand, on a working copy of the generated uploads folder, over one loopback sshd whose
 * key is bound to the media gate (scripts/media-server/backopper-media-gate).
 */
export async function benchSnapshots(context: BenchContext, media: MediaSet): Promise<Row[]> {
  const { paths } = context;
  const work = join(paths.appsDir, APP, 'uploads');
  await rm(join(paths.appsDir, APP), { recursive: true, force: true });
  mkdirSync(join(paths.appsDir, APP), { recursive: true });
  await cp(media.dir, work, { recursive: true });
  const gate = await startSnapshotServer();
  const plain = await context.services.sshd();
  try {
    return await measureSnapshots(context, media, { work, gate, plain });
  } finally {
    await gate.stop();
    await rm(join(paths.appsDir, APP), { recursive: true, force: true });
  }
}

async function measureSnapshots(
  context: BenchContext,
  media: MediaSet,
  { work, gate, plain }: { work: string; gate: LocalSshd; plain: LocalSshd },
): Promise<Row[]> {
  const { paths, log } = context;
  const agent = (sshd: LocalSshd, mode: 'snapshot' | 'archive') => {
    const command = agentCommand(paths, {
      app: APP,
      engine: 'none',
      projectType: 'wordpress',
      sshd,
      threads: context.threads,
    });
    command.env = { ...command.env, BACKOPPER_MEDIA_DIR: work, BACKOPPER_MEDIA_MODE: mode, BACKOPPER_MEDIA_KEEP: '20' };
    return command;
  };
  const report = (sample: Sample) => JSON.parse(sample.stdout.trim().split('\n').pop() ?? '{}');
  const handRoot = join(gate.remoteRoot, 'snapshots', 'hand@bench');
  mkdirSync(handRoot, { recursive: true });
  const ssh = `ssh -p ${gate.port} -o BatchMode=yes -o UserKnownHostsFile=${gate.knownHostsFile} -o IdentitiesOnly=yes -i ${gate.identityFile}`;
  // Folders named as the agent's partial snapshots: the only destination the gate lets rsync write to.
  const handName = (round: number) => `.${1_700_000_000 + round}_00000000.partial`;
  const hand = (round: number) =>
    measure({
      file: 'rsync',
      args: [
        '-a',
        '--numeric-ids',
        ...(round > 0 ? [`--link-dest=/snapshots/hand@bench/${handName(round - 1)}`] : []),
        '-e',
        ssh,
        `${work}/`,
        `${gate.user}@${gate.host}:${join(handRoot, handName(round))}/`,
      ],
    });

  // 1. The first snapshot vs tar -czf, then sftp put (archive mode's work).
  log('snapshots: first snapshot');
  const first = await measure(agent(gate, 'snapshot'));
  const archive = join(paths.baselineDir, 'media.tar.gz');
  const tar = await measure({ file: 'tar', args: ['-czf', archive, '-C', join(work, '..'), 'uploads'] });
  const sftp = buildSftpCommand({ ...serverOf(plain), path: join(plain.remoteRoot, 'snapbase') });
  const put = await measure({
    file: sftp.file,
    args: sftp.args,
    input: buildUploadBatch(archive, join(plain.remoteRoot, 'snapbase'), 'm.tar.gz').batch,
  });
  const tarCopy = sequential(tar, put);
  await clearOutputs(paths);
  await hand(0);

  // 2-7. Runs at 1 % change: the agent, the rsnapshot way by hand, and (twice) the archive mode.
  const next: Sample[] = [];
  const byHand: Sample[] = [];
  const archived: Sample[] = [];
  const sent: { sent: number; changed: number }[] = [];
  for (let round = 1; round < RUNS_FOR_DISK; round += 1) {
    const changed = changeOnePercent(work, round);
    log(`snapshots: run ${round + 1} of ${RUNS_FOR_DISK}, ${changed} bytes changed`);
    const agentFirst = round % 2 === 1;
    if (!agentFirst) byHand.push(await hand(round));
    const sample = await measure(agent(gate, 'snapshot'));
    next.push(sample);
    if (agentFirst) byHand.push(await hand(round));
    sent.push({ sent: report(sample).steps.transfer.bytesSent, changed });
    if (round <= 2) {
      archived.push(await measure(agent(plain, 'archive')));
      await clearOutputs(paths);
    }
  }
  const folder = join(gate.remoteRoot, 'snapshots', `${APP}@bench`);
  const du = async (dir: string) => Number((await exec('du', ['-sb', dir])).split('\t')[0]);
  const disk = await du(folder);
  const full = await du(work);
  const worstSent = Math.max(...sent.map((entry) => entry.sent / entry.changed));

  // Pruning 6 snapshots: the agent's way (the gate's remove, over an open connection as the run's commit
  // prunes on its session) vs rm -rf and two alternatives, each on its own hard-link copy of the same six
  // snapshots; PRUNE_ROUNDS rounds (at least), variants in a different order each round, medians compared.
  const snapshots = readdirSync(folder)
    .filter((name) => /^\d+_[0-9a-f]{8}$/.test(name))
    .sort()
    .slice(0, 6);
  const copy = async (label: string) => {
    const dir = join(gate.remoteRoot, 'snapshots', `${label}@prune`);
    await rm(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const name of snapshots) await exec('cp', ['-al', join(folder, name), join(dir, name)]);
    await exec('cp', ['-al', join(folder, snapshots.at(-1)!), join(dir, '9999999999_ffffffff')]); // the newest stays
    return dir;
  };
  const emptyDir = join(paths.baselineDir, 'empty');
  mkdirSync(emptyDir, { recursive: true });
  // The connection is opened before the timing (the run's is open by then): the removal, not a handshake.
  const mux = [
    ...ssh.split(' ').slice(1),
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${join(paths.baselineDir, 'mux')}`,
    '-o',
    'ControlPersist=60',
  ];
  const pruneVariants: Record<'rm' | 'rsync' | 'parallel' | 'agent', (dir: string) => Promise<Sample>> = {
    rm: (dir) => measure({ file: 'rm', args: ['-rf', ...snapshots.map((name) => join(dir, name))] }),
    rsync: (dir) =>
      measure({
        file: 'sh',
        args: [
          '-c',
          'for d in "$@"; do rsync -a --delete "$0/" "$d/" && rmdir "$d"; done',
          emptyDir,
          ...snapshots.map((name) => join(dir, name)),
        ],
      }),
    parallel: (dir) =>
      measure({
        file: 'sh',
        args: [
          '-c',
          'printf "%s\\0" "$@" | xargs -0 -n 1 -P 2 rm -rf',
          'sh',
          ...snapshots.map((name) => join(dir, name)),
        ],
      }),
    agent: async (dir) => {
      await exec('ssh', [...mux, `${gate.user}@${gate.host}`, 'backopper-snapshot', 'list', dir]);
      return measure({
        file: 'ssh',
        args: [...mux, `${gate.user}@${gate.host}`, 'backopper-snapshot', 'remove', dir, ...snapshots],
      });
    },
  };
  const pruned: Record<keyof typeof pruneVariants, Sample[]> = { rm: [], rsync: [], parallel: [], agent: [] };
  const order = Object.keys(pruneVariants) as (keyof typeof pruneVariants)[];
  const rounds = Math.max(PRUNE_ROUNDS, context.runs);
  for (let round = 0; round < rounds; round += 1) {
    log(`snapshots: pruning, round ${round + 1} of ${rounds}`);
    for (const variant of round % 2 === 0 ? order : [...order].reverse()) {
      const dir = await copy(variant);
      pruned[variant].push(await pruneVariants[variant](dir));
    }
  }
  await exec('ssh', [...mux, '-O', 'exit', `${gate.user}@${gate.host}`]).catch(() => '');
  const firstRow = summarize([first], media.bytes, [tarCopy]);
  const nextRow = summarize(next, undefined, archived);
  const handRow = summarize(next, undefined, byHand);
  const pruneRow = summarize(pruned.agent, undefined, pruned.rm);
  const note = `${listFiles(work).length} files, ${(full / 1e6).toFixed(0)} MB; 1 % = ${Math.round(listFiles(work).length / 100)} files per run`;
  return [
    {
      case: 'snapshot: first run',
      variant: 'baseline: tar -czf, then sftp put',
      ...summarize([tarCopy], media.bytes, [tarCopy]),
      note,
    },
    {
      case: 'snapshot: first run',
      variant: 'agent, snapshot mode (process)',
      ...firstRow,
      target: '≤ 1.0',
      pass: atMost(firstRow.ratio, 1.0),
    },
    {
      case: 'snapshot: next run, 1 % changed',
      variant: 'baseline: agent, archive mode (process)',
      ...summarize(archived, undefined, archived),
    },
    {
      case: 'snapshot: next run, 1 % changed',
      variant: 'agent, snapshot mode (process)',
      ...nextRow,
      target: '≤ 0.05',
      pass: atMost(nextRow.ratio, 0.05),
    },
    {
      case: 'snapshot: next run, 1 % changed',
      variant: 'bytes sent / changed bytes (worst run)',
      runs: sent.length,
      ratio: worstSent,
      target: '≤ 1.02',
      pass: atMost(worstSent, 1.02),
      note: sent.map((entry) => `${entry.sent}/${entry.changed}`).join(' '),
    },
    {
      case: 'snapshot: next run, 1 % changed',
      variant: 'baseline: rsync -a --link-dest by hand, same ssh',
      ...summarize(byHand, undefined, byHand),
    },
    {
      case: 'snapshot: next run, 1 % changed',
      variant: 'agent, snapshot mode (process)',
      ...handRow,
      target: '≤ 1.10',
      pass: atMost(handRow.ratio, 1.1),
    },
    {
      case: `snapshot: media server disk after ${RUNS_FOR_DISK} runs`,
      variant: 'snapshots / one full copy (du -sb)',
      runs: 1,
      ratio: disk / full,
      target: '≤ 1.15',
      pass: atMost(disk / full, 1.15),
      note: `${disk} / ${full} bytes`,
    },
    {
      case: 'snapshot: pruning 6 snapshots',
      variant: 'baseline: rm -rf',
      ...summarize(pruned.rm, undefined, pruned.rm),
    },
    {
      case: 'snapshot: pruning 6 snapshots',
      variant: 'rsync -a --delete from an empty folder',
      ...summarize(pruned.rsync, undefined, pruned.rm),
    },
    {
      case: 'snapshot: pruning 6 snapshots',
      variant: 'rm -rf, 2 in parallel',
      ...summarize(pruned.parallel, undefined, pruned.rm),
    },
    {
      case: 'snapshot: pruning 6 snapshots',
      variant: "agent's prune (the gate's remove over an open ssh connection)",
      ...pruneRow,
      target: '≤ 1.0',
      pass: atMost(pruneRow.ratio, 1.0),
    },
  ];
}

function serverOf(sshd: LocalSshd) {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    path: sshd.remoteRoot,
    identity: sshd.identityFile,
    knownHosts: sshd.knownHostsFile,
  };
}
