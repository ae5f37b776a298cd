import type { DrillConfig } from '../config/config';
import { messageOf } from '../errors';
import { applyPriority } from '../process/priority';
import { hostId } from '../process/process-identity';
import { createS3Client } from '../steps/s3-client';
import { writeDrillRecord } from './drill-s3';
import { runMediaDrill } from './media-drill';
import { type DrillReport, runDatabaseDrill } from './run-drill';

/**
 * `backopper-agent drill`: runs the database or media drill at the configured priority, then writes
 * its record to S3 (`<app>/<env>/drills/<ts>_<host id>.json`, If-None-Match) whether it passed or
 * failed. A record that cannot be written fails the drill: unrecorded proof is no proof.
 */
export async function runDrill(
  config: DrillConfig,
  deps: { log: (line: string) => void; signal: AbortSignal },
): Promise<DrillReport> {
  const warnings = await applyPriority(config.priority);
  const s3 = createS3Client(process.env, { signal: deps.signal });
  try {
    const drill = config.media ? runMediaDrill : runDatabaseDrill;
    const report = await drill(config, { s3, ...deps });
    if (warnings.length) Object.assign(report, { warnings });
    if (deps.signal.aborted) {
      // Whatever else failed on the way (a client killed with the group), it failed because it was stopped.
      report.status = 'failed';
      report.error = [`stopped: ${messageOf(deps.signal.reason)}`, report.error].filter(Boolean).join('; ');
    }
    try {
      // Written with a client of its own: a stopped drill (SIGTERM) still records that it failed.
      const writer = createS3Client(process.env);
      const key = await writeDrillRecord(writer, { bucket: config.bucket, record: report, hostId: hostId() });
      writer.destroy();
      report.drillRecord = { bucket: config.bucket, key };
    } catch (error) {
      report.drillRecord = { bucket: config.bucket, error: messageOf(error) };
      report.status = 'failed';
      report.error = [report.error, messageOf(error)].filter(Boolean).join('; ');
    }
    return report;
  } finally {
    s3.destroy();
  }
}
