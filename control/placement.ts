/**
 * Which server holds which app, from the servers' SSM Inventory (`Custom:BackopperApps`): pure. Each
 * server reports the app folders (with a `.env`) it holds; an entry older than the maximum age is
 * ignored (a server that stopped reporting is not trusted to still hold its apps), and so is a server
 * that is not running now (SSM's PingStatus is not Online, or SSM no longer lists it: a replaced or
 * terminated instance, which SendCommand would refuse for the whole call). An app held by one running
 * server is targeted at it; by several, at the one with the newest report (the server it moved to writes
 * the newest; ties by id), flagged; by none, at the environment's tag as before (the fallback: a new
 * app, or a server not yet inventoried, is never missed).
 */

/** The custom inventory type the servers report. */
export const INVENTORY_TYPE = 'Custom:BackopperApps';

/** A report older than this many days is ignored (`BACKOPPER_INVENTORY_MAX_AGE_DAYS`): the daily association missed three times. */
export const DEFAULT_INVENTORY_MAX_AGE_DAYS = 3;

/** One server's report, as GetInventory returns it. */
export interface InventoryReport {
  instanceId: string;
  /** When the server wrote it (the item's CaptureTime). */
  capturedAt: Date;
  /** The rows: `{ App, Environment }`. */
  rows: { app: string; environment: string }[];
}

/** What SSM says of a managed instance now (DescribeInstanceInformation). */
export interface InstanceState {
  /** `Online`, `ConnectionLost`, `Inactive`. */
  pingStatus: string;
  computerName?: string;
}

/** Where one app's backup runs. */
export type AppPlacement =
  | { kind: 'held'; instanceIds: [string] }
  /** Held by several servers: backed up once, on `instanceIds[0]` (the newest report); flagged. */
  | { kind: 'several'; instanceIds: [string]; holders: string[] }
  /** Not on any server with a fresh report: the command goes to the environment's tag. */
  | { kind: 'unknown' };

/** The placement of one environment's apps, and what to flag. */
export interface PlacementMap {
  /** False when no fresh report exists for the environment (every app falls back to the tag). */
  inventoried: boolean;
  /** Servers with a fresh report. */
  servers: string[];
  /** Reports ignored for their age, by instance. */
  stale: string[];
  /** Servers with a fresh report that are not running now (never targeted). */
  notRunning: string[];
  placementOf(app: string): AppPlacement;
}

/** Builds the map for `environment` from the reports (any environment's) at `now`. */
export function buildPlacement(input: {
  reports: readonly InventoryReport[];
  environment: string;
  now: Date;
  maxAgeDays: number;
  /** SSM's managed instances by id; unset: every reporting server counts as running. */
  instances?: ReadonlyMap<string, InstanceState>;
}): PlacementMap {
  const oldest = input.now.getTime() - input.maxAgeDays * 86_400_000;
  const holders = new Map<string, Set<string>>();
  const servers = new Set<string>();
  const stale = new Set<string>();
  const notRunning = new Set<string>();
  const capturedAt = new Map<string, number>();
  for (const report of input.reports) {
    const rows = report.rows.filter((row) => row.environment === input.environment);
    if (rows.length === 0) continue;
    if (Number.isNaN(report.capturedAt.getTime()) || report.capturedAt.getTime() < oldest) {
      stale.add(report.instanceId);
      continue;
    }
    if (input.instances && input.instances.get(report.instanceId)?.pingStatus !== 'Online') {
      notRunning.add(report.instanceId);
      continue;
    }
    servers.add(report.instanceId);
    // A server whose clock runs ahead must not win every ranking: a time past now counts as now.
    capturedAt.set(report.instanceId, Math.min(report.capturedAt.getTime(), input.now.getTime()));
    for (const row of rows) {
      const set = holders.get(row.app) ?? new Set<string>();
      set.add(report.instanceId);
      holders.set(row.app, set);
    }
  }
  return {
    inventoried: servers.size > 0,
    servers: [...servers].sort(),
    stale: [...stale].sort(),
    notRunning: [...notRunning].sort(),
    placementOf(app: string): AppPlacement {
      const found = [...(holders.get(app) ?? [])].sort();
      // The newest report first: where the app went last; equal times in id order, so the choice is stable.
      const [first] = [...found].sort((a, b) => (capturedAt.get(b) ?? 0) - (capturedAt.get(a) ?? 0));
      if (first === undefined) return { kind: 'unknown' };
      if (found.length === 1) return { kind: 'held', instanceIds: [first] };
      return { kind: 'several', instanceIds: [first], holders: found };
    },
  };
}

/** An empty map: nothing is known, every app falls back to the tag. */
export const UNKNOWN_PLACEMENT: PlacementMap = {
  inventoried: false,
  servers: [],
  stale: [],
  notRunning: [],
  placementOf: () => ({ kind: 'unknown' }),
};

/** What the sync reports about placement, per environment. */
export interface PlacementSummary {
  /** Schedules aimed at the instance(s) that hold the app. */
  targeted: number;
  /** Schedules aimed at the environment's tag (placement unknown). */
  fallback: number;
  /** Apps on more than one server: where they run and who else holds them. */
  onSeveralServers: { app: string; instanceId: string; holders: string[] }[];
  /** Apps on no inventoried server (only when the environment has inventory at all). */
  onNoServer: string[];
  /** Servers whose report was ignored as older than the maximum age. */
  staleServers: string[];
  /** Servers with a fresh report that SSM does not show running (replaced, stopped, agent down): never targeted. */
  notRunning?: string[];
  /** Set when the inventory could not be read (every app fell back to the tag). */
  error?: string;
}

/** Summarizes the placement of `apps` (sorted lists). */
export function summarizePlacement(map: PlacementMap, apps: readonly string[]): PlacementSummary {
  const summary: PlacementSummary = {
    targeted: 0,
    fallback: 0,
    onSeveralServers: [],
    onNoServer: [],
    staleServers: map.stale,
    ...(map.notRunning.length > 0 ? { notRunning: map.notRunning } : {}),
  };
  for (const app of [...apps].sort()) {
    const placement = map.placementOf(app);
    if (placement.kind === 'unknown') {
      summary.fallback += 1;
      if (map.inventoried) summary.onNoServer.push(app);
      continue;
    }
    summary.targeted += 1;
    if (placement.kind === 'several')
      summary.onSeveralServers.push({ app, instanceId: placement.instanceIds[0], holders: placement.holders });
  }
  return summary;
}
