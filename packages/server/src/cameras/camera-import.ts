import { createHash } from 'node:crypto';
import {
  ArgusError,
  CAMERA_CATEGORIES,
  cameraTypeFrom,
  driverForCameraType,
  hasErrorCode,
  parseCameraInput,
  type CameraCategory,
  type CameraInput,
  type DeviceRegistry,
  type ValidationIssue,
} from '@argus/core';
import { parseCsv } from './csv.js';

/** Columns of the city's camera census CSV, in their usual order. */
export const CENSUS_COLUMNS = [
  'external_id',
  'name',
  'agency',
  'category',
  'district',
  'ward',
  'address',
  'lat',
  'lon',
  'type',
  'vendor',
  'model',
  'ptz',
  'host',
  'port',
  'username',
  'password',
  'stream_path',
] as const;

type Column = (typeof CENSUS_COLUMNS)[number];

/** One rejected value or row of an import. */
export interface ImportError {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** The census column at fault, or `null` when the row as a whole is (wrong field count, id clash). */
  column: Column | null;
  reason: string;
}

/** What `POST /api/v1/cameras/import` answers. */
export interface ImportResult {
  created: number;
  updated: number;
  /** Rows not imported; each has one or more entries in `errors`. */
  failed: number;
  errors: ImportError[];
}

const ID_CHARS = /^[A-Za-z0-9._-]{1,64}$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const CATEGORY_BY_LOWER = new Map<string, CameraCategory>(CAMERA_CATEGORIES.map((c) => [c.toLowerCase(), c]));
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0', '']);

// Where schema issues of a built camera point back to in the census.
const COLUMN_OF_PATH: Readonly<Record<string, Column>> = {
  '/id': 'external_id',
  '/externalId': 'external_id',
  '/name': 'name',
  '/agency': 'agency',
  '/category': 'category',
  '/location/district': 'district',
  '/location/ward': 'ward',
  '/location/address': 'address',
  '/location/lat': 'lat',
  '/location/lon': 'lon',
  '/cameraType': 'type',
  '/vendor': 'vendor',
  '/model': 'model',
  '/ptz': 'ptz',
  '/connection/host': 'host',
  '/connection/port': 'port',
  '/connection/username': 'username',
  '/connection/password': 'password',
  '/connection/path': 'stream_path',
};

/**
 * The camera id of a census row: the external id itself when it fits the id charset and length, else its
 * sanitised form (at most 55 characters) plus `-` and 8 hex digits of its SHA-256, so two external ids that
 * sanitise alike never share a camera.
 */
export function cameraIdFromExternalId(externalId: string): string {
  if (ID_CHARS.test(externalId)) return externalId;
  const hash = createHash('sha256').update(externalId).digest('hex').slice(0, 8);
  const base = externalId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 55);
  return `${base}-${hash}`;
}

function checkHeader(fields: readonly string[]): Map<Column, number> {
  const known = new Set<string>(CENSUS_COLUMNS);
  const index = new Map<Column, number>();
  const unknown: string[] = [];
  const repeated: string[] = [];
  fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!known.has(name)) unknown.push(raw);
    else if (index.has(name as Column)) repeated.push(name);
    else index.set(name as Column, i);
  });
  const missing = CENSUS_COLUMNS.filter((c) => !index.has(c));
  const problems = [
    missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
    unknown.length > 0 ? `unknown columns ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : '',
    repeated.length > 0 ? `repeated columns ${repeated.join(', ')}` : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: `CSV header: ${problems.join('; ')}` });
  return index;
}

interface Built {
  input?: CameraInput;
  errors: ImportError[];
}

function buildRow(line: number, value: (column: Column) => string): Built {
  const errors: ImportError[] = [];
  const err = (column: Column, reason: string) => errors.push({ line, column, reason });
  const optional = (column: Column) => {
    const text = value(column);
    return text === '' ? undefined : text;
  };
  const number = (column: Column): number | undefined => {
    const text = value(column);
    if (text === '') return undefined;
    if (!DECIMAL.test(text)) {
      err(column, 'Expected a number');
      return undefined;
    }
    return Number(text);
  };

  const externalId = value('external_id');
  if (externalId === '') err('external_id', 'Required');
  for (const column of ['name', 'agency', 'host'] as const) if (value(column) === '') err(column, 'Required');
  const category = CATEGORY_BY_LOWER.get(value('category').toLowerCase());
  if (category === undefined) err('category', `Expected one of ${CAMERA_CATEGORIES.join(', ')}`);
  const cameraType = cameraTypeFrom(value('type'));
  if (cameraType === undefined) err('type', 'Expected a camera type number 1..33 or its slug');
  const ptzText = value('ptz').toLowerCase();
  const ptz = TRUE.has(ptzText) ? true : FALSE.has(ptzText) ? false : undefined;
  if (ptz === undefined) err('ptz', 'Expected true or false');
  const lat = number('lat');
  const lon = number('lon');
  const portText = value('port');
  let port: number | undefined;
  if (portText !== '') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : undefined;
    if (port === undefined || port < 1 || port > 65_535) {
      err('port', 'Expected an integer 1..65535');
      port = undefined;
    }
  }
  if (errors.length > 0) return { errors };

  const location = {
    district: optional('district'),
    ward: optional('ward'),
    address: optional('address'),
    lat,
    lon,
  };
  const input = {
    id: cameraIdFromExternalId(externalId),
    externalId,
    name: value('name'),
    agency: value('agency'),
    category: category!,
    cameraType: cameraType!,
    driver: driverForCameraType(cameraType!),
    ptz: ptz!,
    vendor: optional('vendor'),
    model: optional('model'),
    location,
    connection: {
      host: value('host'),
      port,
      username: optional('username'),
      password: optional('password'),
      path: optional('stream_path'),
    },
  };
  const clean = JSON.parse(JSON.stringify(input)) as CameraInput;
  if (Object.keys(clean.location ?? {}).length === 0) delete clean.location;
  try {
    parseCameraInput(clean);
  } catch (error) {
    if (!hasErrorCode(error, 'ARGUS_ERR_DEVICE_INVALID')) throw error;
    return { errors: issuesToErrors(line, error.details?.['errors'] as ValidationIssue[] | undefined) };
  }
  return { input: clean, errors: [] };
}

function issuesToErrors(line: number, issues: readonly ValidationIssue[] | undefined): ImportError[] {
  if (issues === undefined || issues.length === 0) return [{ line, column: null, reason: 'Invalid camera' }];
  return issues.map((issue) => ({ line, column: COLUMN_OF_PATH[issue.path] ?? null, reason: issue.message }));
}

/**
 * Imports census CSV into the registry: valid rows are added or, when a camera of the same `external_id`
 * exists, updated; each bad row is reported with its line, column and reason and the others still go in.
 *
 * An update replaces the census fields and keeps what the census does not carry (tags, groups, enabled,
 * streams); an empty `password` keeps the stored one, other empty cells clear their field. The driver is the
 * default of the type's family. A header that is not exactly the census columns (any order, case-insensitive)
 * or broken CSV quoting rejects the whole import with `ARGUS_ERR_API_INVALID_REQUEST`, before any change.
 */
export async function importCameras(devices: DeviceRegistry, csv: string): Promise<ImportResult> {
  const records = parseCsv(csv);
  const header = records.shift();
  if (header === undefined) throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'CSV header: the file is empty' });
  const index = checkHeader(header.fields);
  const result: ImportResult = { created: 0, updated: 0, failed: 0, errors: [] };
  const seen = new Map<string, number>();
  const fail = (errors: ImportError[]) => {
    result.failed += 1;
    result.errors.push(...errors);
  };

  for (const record of records) {
    const { line, fields } = record;
    if (fields.length !== header.fields.length) {
      fail([{ line, column: null, reason: `Expected ${header.fields.length} fields, found ${fields.length}` }]);
      continue;
    }
    const built = buildRow(line, (column) => fields[index.get(column)!]!.trim());
    if (built.input === undefined) {
      fail(built.errors);
      continue;
    }
    const input = built.input;
    const firstLine = seen.get(input.externalId!);
    if (firstLine !== undefined) {
      fail([{ line, column: 'external_id', reason: `Repeats the external_id of line ${firstLine}` }]);
      continue;
    }
    seen.set(input.externalId!, line);
    const existing = devices.tryGet(input.id);
    if (existing !== undefined && existing.externalId !== input.externalId) {
      fail([{ line, column: 'external_id', reason: `Camera id "${input.id}" belongs to another camera` }]);
      continue;
    }
    try {
      if (existing === undefined) {
        await devices.add(input);
        result.created += 1;
      } else {
        const { id: _id, location, connection, ...rest } = input;
        await devices.update(input.id, {
          vendor: undefined,
          model: undefined,
          ...rest,
          location: { district: undefined, ward: undefined, address: undefined, lat: undefined, lon: undefined, ...location },
          connection: { port: undefined, username: undefined, path: undefined, ...connection },
        });
        result.updated += 1;
      }
    } catch (error) {
      if (!hasErrorCode(error, 'ARGUS_ERR_DEVICE_INVALID')) throw error;
      fail(issuesToErrors(line, error.details?.['errors'] as ValidationIssue[] | undefined));
    }
  }
  return result;
}
