/**
 * Reads the servers' `Custom:BackopperApps` inventory of one environment with GetInventory (every
 * page, 50 entities a page, the service's maximum). Thin I/O; {@link buildPlacement} decides.
 */
import { paginateGetInventory, type SSMClient } from '@aws-sdk/client-ssm';
import { INVENTORY_TYPE, type InventoryReport } from './placement';

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
        rows: (item.Content ?? []).flatMap((row) => (row.App && row.Environment ? [{ app: row.App, environment: row.Environment }] : [])),
      });
    }
  }
  return reports;
}
