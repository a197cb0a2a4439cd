import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ArgusError } from '../errors/argus-error.js';

/** Purpose categories of a camera, as the city groups them. */
export const CAMERA_CATEGORIES = ['security', 'defence', 'traffic', 'infrastructure', 'environment', 'urbanOrder'] as const;

/** Purpose category of a camera. */
export type CameraCategory = (typeof CAMERA_CATEGORIES)[number];

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const NonEmpty = (options: { maxLength?: number; description?: string } = {}) =>
  Type.String({ minLength: 1, maxLength: options.maxLength ?? 256, ...(options.description ? { description: options.description } : {}) });

/** Where a camera is. */
export const CameraLocationSchema = Type.Object(
  {
    district: Type.Optional(Type.String({ maxLength: 128 })),
    ward: Type.Optional(Type.String({ maxLength: 128 })),
    address: Type.Optional(Type.String({ maxLength: 512 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  },
  { additionalProperties: false },
);

/** How to reach a camera: what its driver's `connect` receives. */
export const CameraConnectionSchema = Type.Object(
  {
    host: NonEmpty({ maxLength: 253 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    /** Never sent in events or API answers; see `redactCamera`. */
    password: Type.Optional(Type.String({ maxLength: 256 })),
    path: Type.Optional(Type.String({ maxLength: 1024 })),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** A stream of a camera as recorded in the inventory. */
export const CameraStreamSchema = Type.Object(
  { profile: NonEmpty({ maxLength: 64 }), uri: Type.Optional(Type.String({ maxLength: 2048 })) },
  { additionalProperties: false },
);

const inputProperties = {
  id: Type.String({ pattern: ID_PATTERN.source, minLength: 1, maxLength: 64, description: 'Stable camera id' }),
  name: NonEmpty(),
  agency: NonEmpty({ maxLength: 128, description: 'Id of the owning agency' }),
  category: Type.Union(CAMERA_CATEGORIES.map((c) => Type.Literal(c))),
  cameraType: Type.Integer({ minimum: 1, maximum: 33, description: 'One of the 33 camera types of the city' }),
  driver: NonEmpty({ maxLength: 128, description: 'Id of the driver that talks to the camera' }),
  ptz: Type.Boolean(),
  location: Type.Optional(CameraLocationSchema),
  connection: CameraConnectionSchema,
  streams: Type.Optional(Type.Array(CameraStreamSchema, { maxItems: 16 })),
  externalId: Type.Optional(Type.String({ maxLength: 256 })),
  vendor: Type.Optional(Type.String({ maxLength: 128 })),
  model: Type.Optional(Type.String({ maxLength: 128 })),
};

const Tags = Type.Array(NonEmpty({ maxLength: 128 }), { maxItems: 256, default: [] });
const Enabled = Type.Boolean({ default: true });
const Timestamp = Type.Integer({ minimum: 0, description: 'ms since epoch, set by the registry' });

/**
 * A camera of the inventory: one TypeBox schema that validates in the registry and describes the REST API.
 *
 * @example
 * ```ts
 * fastify.get('/cameras/:id', { schema: { response: { 200: CameraSchema } } }, handler);
 * ```
 */
export const CameraSchema = Type.Object(
  {
    ...inputProperties,
    enabled: Enabled,
    tags: Tags,
    groups: Tags,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, $id: 'Camera' },
);

/** What callers give to add or replace a camera: no timestamps, and `enabled`, `tags`, `groups` may be left out. */
export const CameraInputSchema = Type.Object(
  {
    ...inputProperties,
    enabled: Type.Optional(Enabled),
    tags: Type.Optional(Tags),
    groups: Type.Optional(Tags),
  },
  { additionalProperties: false, $id: 'CameraInput' },
);

/** A camera of the inventory (see {@link CameraSchema}). */
export type Camera = Static<typeof CameraSchema>;
/** Input to add or replace a camera (see {@link CameraInputSchema}). */
export type CameraInput = Static<typeof CameraInputSchema>;
/** Where a camera is. */
export type CameraLocation = Static<typeof CameraLocationSchema>;
/** How to reach a camera. */
export type CameraConnection = Static<typeof CameraConnectionSchema>;

/** One validation failure: a JSON pointer into the input and what is wrong there. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

const cameraChecker = TypeCompiler.Compile(CameraSchema);
const inputChecker = TypeCompiler.Compile(CameraInputSchema);

// TypeBox says only "Expected union value" for a bad literal; name the accepted values instead.
const FRIENDLY_MESSAGES: Readonly<Record<string, string>> = {
  '/category': `Expected one of ${CAMERA_CATEGORIES.join(', ')}`,
};

function issues(checker: { Errors(value: unknown): Iterable<{ path: string; message: string }> }, value: unknown): ValidationIssue[] {
  const seen = new Set<string>();
  const found: ValidationIssue[] = [];
  for (const error of checker.Errors(value)) {
    // TypeBox reports a failed union once per member; the first message per path is the readable one.
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    const path = error.path || '/';
    found.push({ path, message: FRIENDLY_MESSAGES[path] ?? error.message });
  }
  return found;
}

function invalid(found: readonly ValidationIssue[], id?: unknown): ArgusError<'ARGUS_ERR_DEVICE_INVALID'> {
  const head = found.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
  if (found.length > 5) head.push(`and ${found.length - 5} more`);
  const prefix = typeof id === 'string' && ID_PATTERN.test(id) ? `"${id}": ` : '';
  return new ArgusError('ARGUS_ERR_DEVICE_INVALID', { reason: prefix + head.join('; '), errors: found });
}

function withDefaults<T extends TSchema>(schema: T, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch {
    throw invalid([{ path: '/', message: 'Expected plain data (no functions or class instances)' }]);
  }
  return Value.Default(schema, copy);
}

/**
 * Validates camera input (from the API, a CSV import...) and returns it with defaults applied. Throws
 * `ARGUS_ERR_DEVICE_INVALID` whose `details.errors` lists `{ path, message }` per failing field; messages never
 * echo the values, so a password cannot end up in an error.
 */
export function parseCameraInput(value: unknown): CameraInput & Pick<Camera, 'enabled' | 'tags' | 'groups'> {
  const candidate = withDefaults(CameraInputSchema, value);
  if (!inputChecker.Check(candidate)) throw invalid(issues(inputChecker, candidate), (value as { id?: unknown } | null)?.id);
  return candidate as CameraInput & Pick<Camera, 'enabled' | 'tags' | 'groups'>;
}

/** Validates a complete camera record (with timestamps), e.g. one loaded from a store; throws like {@link parseCameraInput}. */
export function parseCamera(value: unknown): Camera {
  const candidate = withDefaults(CameraSchema, value);
  if (!cameraChecker.Check(candidate)) throw invalid(issues(cameraChecker, candidate), (value as { id?: unknown } | null)?.id);
  return candidate;
}
