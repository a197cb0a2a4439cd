import { Kind, Type, type Static, type TSchema } from '@sinclair/typebox';

const CLOSED = { additionalProperties: false } as const;

/** `HH:MM` on a 24-hour clock; `24:00` is allowed so a window can end at midnight. */
const TIME_OF_DAY = '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** A weekly recording window: on the given days, from `from` to `to` (local time). */
export const ScheduleWindowSchema = Type.Object(
  {
    /** Days of the week, 0 = Sunday. */
    days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, uniqueItems: true }),
    from: Type.String({ pattern: TIME_OF_DAY, description: 'a time of day HH:MM' }),
    to: Type.String({ pattern: TIME_OF_DAY, description: 'a time of day HH:MM' }),
  },
  CLOSED,
);

// Every section carries `default: {}` so that TypeBox's `Value.Default` descends into a missing section and
// fills its fields instead of leaving the whole section undefined.
const RecordingSettingsSchema = Type.Object(
  {
    mode: Type.Union(
      [
        Type.Literal('off'),
        Type.Literal('continuous'),
        Type.Literal('event'),
        Type.Literal('schedule'),
        Type.Literal('manual'),
      ],
      // Off until an administrator decides, per group or camera: recording needs a legal basis, a retention rule
      // and disk, and a census import of 40,000 cameras must not start 40,000 recordings on one node.
      { default: 'off' },
    ),
    stream: Type.Union([Type.Literal('main'), Type.Literal('sub')], { default: 'main' }),
    preBufferSeconds: Type.Integer({ minimum: 0, maximum: 60, default: 5 }),
    postBufferSeconds: Type.Integer({ minimum: 0, maximum: 600, default: 10 }),
    segmentMinutes: Type.Integer({ minimum: 1, maximum: 60, default: 1 }),
    schedule: Type.Optional(Type.Array(ScheduleWindowSchema)),
  },
  { ...CLOSED, default: {} },
);

const RetentionSettingsSchema = Type.Object(
  {
    maxAgeDays: Type.Integer({ minimum: 1, default: 30 }),
    maxSizeGb: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Footage older than this moves from the fast storage tier to the archive tier, where one is configured. */
    archiveAfterDays: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { ...CLOSED, default: {} },
);

const StreamSettingsSchema = Type.Object(
  {
    reconnectInitialDelayMs: Type.Integer({ minimum: 1, default: 500 }),
    reconnectMaxDelayMs: Type.Integer({ minimum: 1, default: 30_000 }),
    gopCacheMaxBytes: Type.Integer({ minimum: 0, default: 8 * 1024 * 1024 }),
    liveMaxQueue: Type.Integer({ minimum: 1, default: 100 }),
    recorderBufferPackets: Type.Integer({ minimum: 1, default: 2000 }),
  },
  { ...CLOSED, default: {} },
);

const HealthSettingsSchema = Type.Object(
  { offlineAfterSeconds: Type.Integer({ minimum: 1, default: 10 }) },
  { ...CLOSED, default: {} },
);

const PtzSettingsSchema = Type.Object(
  { idleReleaseSeconds: Type.Integer({ minimum: 1, default: 30 }) },
  { ...CLOSED, default: {} },
);

const EventsSettingsSchema = Type.Object(
  {
    // Off by default like recording: importing a census of 40,000 cameras must not open 40,000 event channels.
    subscribe: Type.Boolean({ default: false }),
    retryInitialDelayMs: Type.Integer({ minimum: 1, default: 1_000 }),
    retryMaxDelayMs: Type.Integer({ minimum: 1, default: 60_000 }),
  },
  { ...CLOSED, default: {} },
);

/**
 * The per-camera settings that inherit global -> group -> camera: recording, retention, stream tuning, health,
 * PTZ and device events (whether the server keeps the camera's event channel open). Every field has a default, so
 * `{}` is a complete value once defaults are filled.
 */
export const CameraSettingsSchema = Type.Object(
  {
    recording: RecordingSettingsSchema,
    retention: RetentionSettingsSchema,
    stream: StreamSettingsSchema,
    health: HealthSettingsSchema,
    ptz: PtzSettingsSchema,
    events: EventsSettingsSchema,
  },
  { ...CLOSED, default: {} },
);

/** Effective settings of one camera, all fields present. */
export type CameraSettings = Static<typeof CameraSettingsSchema>;

/** A weekly recording window of {@link CameraSettings}: on `days`, from `from` to `to` (`HH:MM`). */
export type ScheduleWindow = Static<typeof ScheduleWindowSchema>;

/** Recording mode of a camera. */
export type RecordingMode = CameraSettings['recording']['mode'];

/**
 * A copy of `schema` without `default` annotations, so an override that omits a field stays without it
 * (and inherits) instead of being filled with the global default.
 */
function withoutDefaults<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => withoutDefaults(item)) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<PropertyKey, unknown>;
  const isSchema = Kind in source;
  const copy: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(source)) {
    if (isSchema && key === 'default') continue;
    copy[key] = withoutDefaults(source[key]);
  }
  return copy as T;
}

function partialSection<T extends TSchema & { properties: Record<string, TSchema> }>(section: T) {
  return Type.Optional(Type.Partial(withoutDefaults(section), CLOSED));
}

/**
 * Overrides of {@link CameraSettingsSchema} at a group or a camera: any subset of the fields, one level deep
 * in each section. Unknown keys and wrong types are rejected, like in the full schema.
 */
export const CameraSettingsOverrideSchema = Type.Object(
  {
    recording: partialSection(RecordingSettingsSchema),
    retention: partialSection(RetentionSettingsSchema),
    stream: partialSection(StreamSettingsSchema),
    health: partialSection(HealthSettingsSchema),
    ptz: partialSection(PtzSettingsSchema),
    events: partialSection(EventsSettingsSchema),
  },
  CLOSED,
);

/** Overrides of a group or a camera: any subset of {@link CameraSettings}. */
export type CameraSettingsOverride = Static<typeof CameraSettingsOverrideSchema>;
