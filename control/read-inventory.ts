/**
 * Reads the servers' `Custom:BackopperApps` inventory of one environment with GetInventory (every
 * page, 50 entities a page, the service's maximum). Thin I/O; {@link buildPlacement} decides.
 */
import { paginateDescribeInstanceInformation, paginateGetInventory, type SSMClient } from '@aws-sdk/client-ssm';
import {
  buildPlacement,
  type InstanceState,
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

/** DescribeInstanceInformation's limit on the InstanceIds filter. */
export const INSTANCE_IDS_PER_CALL = 50;

/**
 * What SSM says of these managed instances now: PingStatus and computer name, by id (DescribeInstanceInformation,
 * 50 ids a call). An id SSM does not list (deregistered, terminated) is absent: not running.
 */
export async function readInstanceStates(
  client: SSMClient,
  instanceIds: readonly string[],
): Promise<Map<string, InstanceState>> {
  const states = new Map<string, InstanceState>();
  const ids = [...new Set(instanceIds)].sort();
  for (let start = 0; start < ids.length; start += INSTANCE_IDS_PER_CALL) {
    const pages = paginateDescribeInstanceInformation(
      { client, pageSize: 50 },
      { Filters: [{ Key: 'InstanceIds', Values: ids.slice(start, start + INSTANCE_IDS_PER_CALL) }] },
    );
    for await (const page of pages)
      for (const info of page.InstanceInformationList ?? [])
        if (info.InstanceId)
          states.set(info.InstanceId, {
            pingStatus: info.PingStatus ?? 'unknown',
            ...(info.ComputerName ? { computerName: info.ComputerName } : {}),
          });
  }
  return states;
}

/** The reports of `environment` and the state of every server that sent one. */
export async function readPlacementInputs(
  client: SSMClient,
  environment: string,
): Promise<{ reports: InventoryReport[]; instances: Map<string, InstanceState> }> {
  const reports = await readInventory(client, environment);
  const instances = await readInstanceStates(
    client,
    reports.map((report) => report.instanceId),
  );
  return { reports, instances };
}

/** The placement flags of `apps` in `environment`: read, judged, summarized (for the sync's peers: the freshness monitor). */
export async function readPlacementSummary(input: {
  client: SSMClient;
  environment: string;
  apps: readonly string[];
  now: Date;
  maxAgeDays: number;
}): Promise<PlacementSummary> {
  const { reports, instances } = await readPlacementInputs(input.client, input.environment);
  return summarizePlacement(
    buildPlacement({
      reports,
      instances,
      environment: input.environment,
      now: input.now,
      maxAgeDays: input.maxAgeDays,
    }),
    input.apps,
  );
}
