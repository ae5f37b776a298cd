/**
 * SSM Inventory as the service keeps it, for the fakes of SSM: one item per (instance, type), replaced
 * whole by each report (as PutInventory and the inventory association do), and GetInventory as AWS
 * documents it: at most 50 entities a page (MaxResults 1-50, ValidationException beyond), an opaque
 * NextToken (InvalidNextToken for one it did not give), filters on `<TypeName>.<Attribute>` (Equal,
 * NotEqual, BeginWith, Exists; an entity matches when one of its rows does; every filter must match),
 * ResultAttributes choosing the types returned, entities in instance-id order, CaptureTime as written.
 */
import {
  type GetInventoryRequest,
  type InventoryFilter,
  InvalidFilter,
  InvalidNextToken,
  InvalidResultAttributeException,
} from '@aws-sdk/client-ssm';
import { errorDetails } from './sdk-boundary';

/** One inventory item as stored. */
export interface StoredInventoryItem {
  TypeName: string;
  SchemaVersion: string;
  /** `2025-01-15T03:00:00Z` (the service's pattern: no milliseconds). */
  CaptureTime: string;
  Content: Record<string, string>[];
}

/** An SSM validation error (HTTP 400), as the SDK classifies it. */
class ValidationException extends Error {
  override readonly name = 'ValidationException';
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
}

/** Instance → type → item. */
export class FakeInventory {
  readonly items = new Map<string, Map<string, StoredInventoryItem>>();
  private readonly tokens = new Map<string, number>();

  /** Replaces the item of `item.TypeName` on `instanceId`. */
  put(instanceId: string, item: StoredInventoryItem): this {
    const types = this.items.get(instanceId) ?? new Map<string, StoredInventoryItem>();
    types.set(item.TypeName, structuredClone(item));
    this.items.set(instanceId, types);
    return this;
  }

  /** Removes an instance's inventory (a deregistered server). */
  remove(instanceId: string): void {
    this.items.delete(instanceId);
  }

  /** One GetInventory call. */
  getInventory(input: GetInventoryRequest): {
    Entities: { Id: string; Data: Record<string, StoredInventoryItem> }[];
    NextToken?: string;
  } {
    const max = input.MaxResults ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 50) {
      throw new ValidationException(
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`,
      );
    }
    const types = (input.ResultAttributes ?? []).map((attribute) => attribute.TypeName ?? '');
    for (const type of types)
      if (!/^(AWS|Custom):/.test(type))
        throw new InvalidResultAttributeException({
          ...errorDetails(`Invalid type name ${type}`, 400),
          Message: `Invalid type name ${type}`,
        });
    let start = 0;
    if (input.NextToken !== undefined) {
      const found = this.tokens.get(input.NextToken);
      if (found === undefined) throw new InvalidNextToken(errorDetails('The specified token is not valid.', 400));
      start = found;
    }
    const matching = [...this.items.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([, items]) => (input.Filters ?? []).every((filter) => matches(items, filter)));
    const page = matching.slice(start, start + max).map(([id, items]) => ({
      Id: id,
      Data: Object.fromEntries(
        [...items.entries()]
          .filter(([type]) => types.length === 0 || types.includes(type))
          .map(([type, item]) => [type, structuredClone(item)]),
      ),
    }));
    const next = start + max < matching.length ? `token-${this.tokens.size + 1}` : undefined;
    if (next) this.tokens.set(next, start + max);
    return { Entities: page, ...(next ? { NextToken: next } : {}) };
  }
}

function matches(items: Map<string, StoredInventoryItem>, filter: InventoryFilter): boolean {
  const key = filter.Key ?? '';
  const dot = key.lastIndexOf('.');
  if (dot < 0 || !/^(AWS|Custom):/.test(key))
    throw new InvalidFilter(errorDetails(`The filter key ${key} is not valid.`, 400));
  const item = items.get(key.slice(0, dot));
  if (!item) return false;
  const attribute = key.slice(dot + 1);
  const values = filter.Values ?? [];
  const type = filter.Type ?? 'Equal';
  return item.Content.some((row) => {
    const value = row[attribute];
    if (type === 'Exists') return value !== undefined;
    if (value === undefined) return false;
    if (type === 'Equal') return values.includes(value);
    if (type === 'NotEqual') return !values.includes(value);
    if (type === 'BeginWith') return values.some((prefix) => value.startsWith(prefix));
    throw new InvalidFilter(errorDetails(`The filter type ${type} is not supported for string attributes.`, 400));
  });
}

/** The `Custom:BackopperApps` item a server writes for `apps` of `environment`, captured at `at`. */
export function backopperAppsItem(apps: readonly string[], environment: string, at: Date): StoredInventoryItem {
  return {
    TypeName: 'Custom:BackopperApps',
    SchemaVersion: '1.0',
    CaptureTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Content: apps.map((app) => ({ App: app, Environment: environment })),
  };
}
