/**
 * Reads the servers' `Custom:BackopperApps` inventory of one environment with GetInventory (every
 * page, 50 entities a page, the service's maximum). Thin I/O; {@link buildPlacement} decides.
 */
import { paginateGetInventory, type SSMClient } from '@aws-sdk/client-ssm';
import {
  buildPlacement,
  INVENTORY_TYPE,
  type InventoryReport,
  type PlacementSummary,
  summarizePlacement,
} from './placement';

/** GetInventory's largest page. */
export const INVENTORY_PAGE_SIZE = 50;

/** Every server's report that has a row for `environment`. */
export async function readInventory(client: SSMClient, environment: string): Promise<InventoryReport[]> {
  const reports: InventoryReport[] = [];
  const pages = paginateGetInventory(
    { client, pageSize: INVENTORY_PAGE_SIZE },
    {
      Filters: [{ Key: `${INVENTORY_TYPE}.Environment`, Values: [environment], Type: 'Equal' }],
      ResultAttributes: [{ TypeName: INVENTORY_TYPE }],
    },
  );
  for await (const page of pages) {
    for (const entity of page.Entities ?? []) {
      const item = entity.Data?.[INVENTORY_TYPE];
      if (!entity.Id || !item) continue;
      reports.push({
        instanceId: entity.Id,
        capturedAt: new Date(item.CaptureTime ?? Number.NaN),
        rows: (item.Content ?? []).flatMap((row) =>
          row.App && row.Environment ? [{ app: row.App, environment: row.Environment }] : [],
        ),
      });
    }
  }
  return reports;
}

/** The placement flags of `apps` in `environment`: read, judged, summarized (for the sync's peers: the freshness monitor). */
export async function readPlacementSummary(input: {
  client: SSMClient;
  environment: string;
  apps: readonly string[];
  now: Date;
  maxAgeDays: number;
}): Promise<PlacementSummary> {
  const reports = await readInventory(input.client, input.environment);
  return summarizePlacement(
    buildPlacement({ reports, environment: input.environment, now: input.now, maxAgeDays: input.maxAgeDays }),
    input.apps,
  );
}
