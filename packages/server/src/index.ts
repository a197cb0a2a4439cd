/**
 * `@argus/server`: the reference Fastify server and the `argus` CLI.
 *
 * @packageDocumentation
 */
export { buildApp } from './app.js';
export type { AppOptions, HealthzBody } from './app.js';
export { AuditLog, auditEntryHash } from './audit/audit-log.js';
export type { AuditEntry, AuditLogOptions, AuditRecord, AuditVerification } from './audit/audit-log.js';
export { SESSION_COOKIE } from './auth/auth-routes.js';
export type { AuthRoutesOptions } from './auth/auth-routes.js';
export { ADMIN_ROLE, AuthService } from './auth/auth-service.js';
export type { AuthContext, AuthServiceOptions, LoginResult, UserView } from './auth/auth-service.js';
export { LoginThrottle } from './auth/login-throttle.js';
export type { LoginThrottleOptions } from './auth/login-throttle.js';
export { checkPasswordPolicy, PASSWORD_MIN_LENGTH } from './auth/password-policy.js';
export { registerCameraRoutes } from './cameras/camera-routes.js';
export type { CameraPage } from './cameras/camera-routes.js';
export { cameraCensus, censusToCsv, NO_DISTRICT } from './cameras/camera-census.js';
export type { CameraCensus } from './cameras/camera-census.js';
export { CENSUS_COLUMNS, cameraIdFromExternalId, importCameras } from './cameras/camera-import.js';
export type { ImportError, ImportResult } from './cameras/camera-import.js';
export { csvField, parseCsv } from './cameras/csv.js';
export type { CsvRecord } from './cameras/csv.js';
export { demoFarmPlugin } from './demo-farm.js';
export type { DemoFarmOptions } from './demo-farm.js';
export { LevelDeviceStore } from './inventory/level-device-store.js';
export type { LevelDeviceStoreOptions } from './inventory/level-device-store.js';
export { SECRET_KEY_FILE, SecretBox } from './inventory/secret-box.js';
export { canSeeCamera } from './cameras/camera-scope.js';
export { API_DOCS_PREFIX, registerApiDocs } from './docs/api-docs.js';
export { HealthMonitor, kernelHealthSources } from './health/health-monitor.js';
export type { CameraHealth, CameraHealthStatus, HealthMonitorOptions, HealthSources, HealthTimer, RecordingState } from './health/health-monitor.js';
export { registerHealthRoutes } from './health/health-routes.js';
export type { CameraHealthPage, HealthSummary } from './health/health-routes.js';
export { registerLiveRoutes } from './live/live-routes.js';
export type { LiveRoutesOptions } from './live/live-routes.js';
export { streamLiveView } from './live/live-view.js';
export type { LiveViewOptions } from './live/live-view.js';
export { main } from './cli.js';
export type { CliIo } from './cli.js';
export { loadServerConfig } from './load-config.js';
export type { ConfigSources } from './load-config.js';
export { openDatabase } from './open-database.js';
export type { Database } from './open-database.js';
export { startServer } from './start-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
