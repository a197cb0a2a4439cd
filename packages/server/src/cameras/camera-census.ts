import { CAMERA_TYPES, type Camera } from '@argus/core';
import { csvField } from './csv.js';

/** Key given to cameras without a district. */
export const NO_DISTRICT = '(none)';

/** Camera counts of `GET /api/v1/reports/census`; each map is sorted by key and lists only non-zero counts. */
export interface CameraCensus {
  total: number;
  /** By camera type number (`"1"`..`"33"`). */
  byType: Record<string, number>;
  byAgency: Record<string, number>;
  byCategory: Record<string, number>;
  /** By district; cameras without one count under {@link NO_DISTRICT}. */
  byDistrict: Record<string, number>;
  /** `enabled` / `disabled` from the camera's `enabled` flag (online/offline health comes later). */
  byStatus: Record<string, number>;
}

function tally(keys: Iterable<string>, numeric = false): Record<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  const sorted = [...counts].sort(([a], [b]) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(sorted);
}

/** Counts cameras by type, agency, category, district and status. */
export function cameraCensus(cameras: readonly Camera[]): CameraCensus {
  return {
    total: cameras.length,
    byType: tally(
      cameras.map((c) => String(c.cameraType)),
      true,
    ),
    byAgency: tally(cameras.map((c) => c.agency)),
    byCategory: tally(cameras.map((c) => c.category)),
    byDistrict: tally(cameras.map((c) => c.location?.district || NO_DISTRICT)),
    byStatus: tally(cameras.map((c) => (c.enabled ? 'enabled' : 'disabled'))),
  };
}

const DIMENSIONS = [
  ['type', 'byType'],
  ['agency', 'byAgency'],
  ['category', 'byCategory'],
  ['district', 'byDistrict'],
  ['status', 'byStatus'],
] as const;

/**
 * The census as CSV: header `dimension,key,label,count`, a `total` row, then one row per count; `label` is the
 * type's name for `type` rows and empty otherwise. Lines end with CRLF (RFC 4180).
 */
export function censusToCsv(census: CameraCensus): string {
  const rows: (string | number)[][] = [
    ['dimension', 'key', 'label', 'count'],
    ['total', '', '', census.total],
  ];
  for (const [dimension, field] of DIMENSIONS) {
    for (const [key, count] of Object.entries(census[field])) {
      const label = dimension === 'type' ? (CAMERA_TYPES[Number(key) - 1]?.name ?? '') : '';
      rows.push([dimension, key, label, count]);
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
