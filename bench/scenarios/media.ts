import { join } from 'node:path';
import { buildSftpCommand, buildUploadBatch } from '../../agent';
import type { BenchContext } from '../context';
import type { MediaSet } from '../data/media-data';
import { type Sample, alternate, measure } from '../measure';
import { WP_APP, agentCommand, clearOutputs, parseAgentReport } from '../setup';
import { atMost, type Row } from '../table';
import { sequential, summarize } from './samples';

/**
 * Media: `tar -czf file -C parent folder` vs the agent's media step (archive only, from its run report),
 * and tar followed by sftp vs the agent's media + transfer steps (the whole agent process).
 */
export async function benchMedia(context: BenchContext, media: MediaSet): Promise<Row[]> {
  const { paths } = context;
  const sshd = await context.services.sshd();
  const server = {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    path: join(sshd.remoteRoot, 'baseline'),
    identity: sshd.identityFile,
    knownHosts: sshd.knownHostsFile,
  };
  const transfers: Sample[] = [];
  const agentArchive: Sample[] = [];
  const samples = await alternate(context.runs, {
    baseline: async () => {
      const archive = join(paths.baselineDir, 'media.tar.gz');
      const tar = await measure({ file: 'tar', args: ['-czf', archive, '-C', join(media.dir, '..'), 'uploads'] });
      const sftp = buildSftpCommand(server);
      // A new remote name per sample: the agent's batch never replaces an existing file.
      transfers.push(
        await measure({
          file: sftp.file,
          args: sftp.args,
          input: buildUploadBatch(archive, server.path, `media-${transfers.length}.tar.gz`).batch,
        }),
      );
      await clearOutputs(paths);
      return tar;
    },
    pigz: async () => {
      const archive = join(paths.baselineDir, 'media.tar.gz');
      // A shell pipeline by definition; values are positional arguments, never interpolated.
      const script = 'tar -cf - -C "$1" uploads | pigz -p "$2" > "$3"';
      const sample = await measure({
        file: 'sh',
        args: ['-c', script, 'sh', join(media.dir, '..'), String(context.threads), archive],
      });
      await clearOutputs(paths);
      return sample;
    },
    agent: async () => {
      const sample = await measure(
        agentCommand(paths, { app: WP_APP, engine: 'none', projectType: 'wordpress', sshd, threads: context.threads }),
      );
      const steps = parseAgentReport(sample.stdout).steps;
      agentArchive.push({ wallS: (steps.media?.durationMs ?? NaN) / 1000, stdout: '' });
      await clearOutputs(paths);
      return sample;
    },
  });
  const archive = summarize(agentArchive, media.bytes, samples.baseline);
  const original = samples.baseline.map((tar, index) => sequential(tar, transfers[index]));
  const note = `${media.files} files, ${(media.bytes / 1e6).toFixed(0)} MB`;
  return [
    {
      case: 'media archive',
      variant: 'baseline: tar -czf file',
      ...summarize(samples.baseline, media.bytes, samples.baseline),
      note,
    },
    {
      case: 'media archive',
      variant: `peer: tar -cf - | pigz -p ${context.threads} > file`,
      ...summarize(samples.pigz, media.bytes, samples.baseline),
    },
    {
      case: 'media archive',
      variant: `agent media step, ${context.threads} thread(s) (archive only, from its report)`,
      ...archive,
      target: '≤ 1.05',
      pass: atMost(archive.ratio, 1.05),
      note: 'CPU/RSS: see the next row',
    },
    {
      case: 'media archive + transfer',
      variant: 'baseline: tar -czf, then sftp put',
      ...summarize(original, media.bytes, original),
    },
    {
      case: 'media archive + transfer',
      variant: 'agent media + transfer steps (process)',
      ...summarize(samples.agent, media.bytes, original),
      note: 'ratio vs tar, then sftp',
    },
  ];
}
