import { CloneType, Type, type Static } from '@sinclair/typebox';
import { CameraSettingsOverrideSchema, CameraSettingsSchema } from './camera-settings-schema.js';

const CLOSED = { additionalProperties: false } as const;

const IdSchema = Type.String({ minLength: 1 });

/**
 * The whole configuration of an Argus process, validated with TypeBox: where the server listens and keeps its
 * data, the log level, the global camera settings (`defaults`), camera groups (each may have a `parent`) and
 * per-camera overrides. Settings inherit defaults -> groups (root ancestor first) -> camera.
 *
 * @example
 * ```json
 * {
 *   "server": { "port": 8080 },
 *   "defaults": { "retention": { "maxAgeDays": 30 } },
 *   "groups": {
 *     "district-1": { "settings": { "recording": { "mode": "event" } } },
 *     "ward-1a": { "parent": "district-1", "settings": { "retention": { "maxAgeDays": 60 } } }
 *   },
 *   "cameras": { "cam-7": { "groups": ["ward-1a"], "settings": { "recording": { "stream": "sub" } } } }
 * }
 * ```
 */
export const ArgusConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '0.0.0.0' }),
        // 0 asks the system for a free port (tests, several instances on one host).
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
        dataDir: Type.String({ minLength: 1, default: './data' }),
      },
      { ...CLOSED, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [
            Type.Literal('fatal'),
            Type.Literal('error'),
            Type.Literal('warn'),
            Type.Literal('info'),
            Type.Literal('debug'),
            Type.Literal('trace'),
            Type.Literal('silent'),
          ],
          { default: 'info' },
        ),
      },
      { ...CLOSED, default: {} },
    ),
    defaults: CameraSettingsSchema,
    groups: Type.Record(
      Type.String(),
      Type.Object(
        {
          parent: Type.Optional(IdSchema),
          settings: CloneType(CameraSettingsOverrideSchema, { default: {} }),
        },
        // `default` here only makes `Value.Default` visit each entry (it never creates one).
        { ...CLOSED, default: {} },
      ),
      { default: {} },
    ),
    cameras: Type.Record(
      Type.String(),
      Type.Object(
        {
          /** Groups in the order they apply; later groups win over earlier ones. */
          groups: Type.Optional(Type.Array(IdSchema, { uniqueItems: true })),
          settings: Type.Optional(CameraSettingsOverrideSchema),
        },
        { ...CLOSED, default: {} },
      ),
      { default: {} },
    ),
  },
  CLOSED,
);

/** A validated configuration with every default filled (the output of {@link parseConfig}). */
export type ArgusConfig = Static<typeof ArgusConfigSchema>;

/** A camera group of {@link ArgusConfig}. */
export type CameraGroupConfig = ArgusConfig['groups'][string];

/** The per-camera entry of {@link ArgusConfig}: its groups and its own overrides. */
export type CameraConfig = ArgusConfig['cameras'][string];

/** Log level accepted by {@link ArgusConfig} (pino's levels). */
export type ConfigLogLevel = ArgusConfig['log']['level'];

