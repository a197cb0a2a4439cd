import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ArgusError, CAMERA_TYPES, CORE_VERSION, DriverRegistry, hasErrorCode, silentLogger, systemClock } from '@argus/core';
import { probeStream, recordStream, type StreamProbe } from '@argus/core/media';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { verifyExport } from '@argus/plugin-storage';
import { AuditLog } from './audit/audit-log.js';
import { demoFarmPlugin } from './demo-farm.js';
import { builtinDrivers } from './drivers/builtin-drivers.js';
import { parseDeviceAddress } from './drivers/device-address.js';
import { probeDevice, type DeviceProbeReport } from './drivers/probe-device.js';
import { loadServerConfig } from './load-config.js';
import { openDatabase } from './open-database.js';
import { startServer } from './start-server.js';

const USAGE = `Usage: argus <command> [options]

Commands:
  start             start the reference server
      --config FILE     YAML configuration file (every option is also an env var)
      --port N          listen port (ARGUS_PORT, default 8080)
      --host ADDR       listen address (ARGUS_HOST, default 0.0.0.0)
      --data-dir DIR    data directory (ARGUS_DATA_DIR, default ./data)
      --demo            also run a simulated camera farm on 127.0.0.1 and add its cameras (npm start does)
      --demo-cameras N  cameras of the demo farm (default 16)
      --farm-port P     RTSP port of the demo farm (default 8554)
  probe <url>       identify a stream (rtsp, rtmp, srt, http(s) URL or a media file): codec, resolution, fps, bitrate,
                    audio, whether auth succeeded
      --json            print the result as JSON (shape: see packages/server/README.md)
      --user U --pass P credentials (or put them in the URL)
      --seconds N       seconds of media to measure (rtsp://; default 3)
      --transport T     tcp (default) or udp (rtsp://)
  probe <device>    identify a device: onvif://, hikvision://, dahua://, axis://, mjpeg://, jpeg://, hls://
                    user:pass@host[:port][/path], or a bare host[:port] that every driver probes (scored);
                    prints the chosen driver and camera type, the device info and the capabilities
      --user U --pass P --json       as above
      --timeout-ms N    time each driver's probe has (default 5000)
  types             the 33 camera types: id, slug, name, family, driver, status (supported, partial, planned)
      --json            print them as a JSON array
  record <url>      record a stream to a fragmented MP4 file through the native path (rtsp://)
      --seconds N       seconds of media to record (required)
      --out FILE        output file (required)
      --user U --pass P --transport T   as for probe
  verify-export <dir>   check an evidence export: every file's SHA-256 and the manifest's Ed25519 signature
      --public-key FILE  also require that the export was signed by this key (PEM; the server's key id is
                         in every manifest)
      --json             print the full report as JSON
  audit verify      check the hash chain of the audit log (stop the server first: the database is locked)
      --config FILE --data-dir DIR   where the data is, as for start
  version           print the version
  help              print this help
`;

/** Streams the CLI writes to; injectable for tests. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

function fail(io: CliIo, err: unknown): number {
  const message = hasErrorCode(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  io.err(`argus: ${message}\n`);
  return 1;
}

/** Runs `argus start` until SIGINT/SIGTERM; returns the exit code. */
async function start(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean' },
      'demo-cameras': { type: 'string' },
      'farm-port': { type: 'string' },
    },
    strict: true,
  });
  const server: Record<string, unknown> = {};
  const demoCameras = values['demo-cameras'] === undefined ? 16 : Number(values['demo-cameras']);
  if (!Number.isInteger(demoCameras) || demoCameras < 1 || demoCameras > 500) throw new Error(`--demo-cameras must be 1..500, got "${values['demo-cameras']}"`);
  const farmPort = values['farm-port'] === undefined ? 8554 : Number(values['farm-port']);
  if (!Number.isInteger(farmPort) || farmPort < 0 || farmPort > 65_535) throw new Error(`--farm-port must be 0..65535, got "${values['farm-port']}"`);
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port)) throw new Error(`--port must be an integer, got "${values.port}"`);
    server['port'] = port;
  }
  if (values.host !== undefined) server['host'] = values.host;
  if (values['data-dir'] !== undefined) server['dataDir'] = values['data-dir'];
  const config = await loadServerConfig({
    ...(values.config === undefined ? {} : { file: values.config }),
    env: io.env,
    overrides: Object.keys(server).length > 0 ? { server } : {},
  });
  const metricsToken = io.env['ARGUS_METRICS_TOKEN'];
  const adminPassword = io.env['ARGUS_ADMIN_PASSWORD'];
  const running = await startServer({
    config,
    ...(metricsToken ? { metricsToken } : {}),
    ...(adminPassword ? { adminPassword } : {}),
    ...cookieSecure(io.env['ARGUS_COOKIE_SECURE']),
    ...(values.demo === true ? { plugins: [demoFarmPlugin({ cameras: demoCameras, port: farmPort })] } : {}),
  });
  io.out(`argus ${CORE_VERSION} listening on ${running.url} (data in ${config.server.dataDir})\n`);
  if (values.demo === true) {
    const demo = running.kernel.devices.list({ tag: 'demo' });
    const plain = demo.filter((camera) => camera.driver === 'rtsp').length;
    io.out(
      `demo: ${demo.length} simulated cameras: ${demo.length - plain} device emulators (ONVIF, Hikvision, Dahua, Axis, MJPEG, JPEG, HLS) and ${plain} plain RTSP on rtsp://127.0.0.1:${farmPort}/cam-NN (GET ${running.url}/api/v1/cameras)\n`,
    );
  }
  // Shown once, on the terminal only (never logged): the operator needs it for the first login.
  if (running.initialAdminPassword !== undefined) {
    io.out(`initial administrator: admin / ${running.initialAdminPassword} (must be changed at first login)\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}

function cookieSecure(value: string | undefined): { cookieSecure?: boolean | 'auto' } {
  if (value === undefined || value === '') return {};
  if (value === 'auto') return { cookieSecure: 'auto' };
  if (value === 'true' || value === 'false') return { cookieSecure: value === 'true' };
  throw new Error(`ARGUS_COOKIE_SECURE must be true, false or auto, got "${value}"`);
}

/** `argus audit verify`: walks the hash chain with the server stopped. */
async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new Error(`audit takes the subcommand "verify", got ${sub === undefined ? 'none' : `"${sub}"`}`);
  const { values } = parseArgs({ args: rest, options: { config: { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true });
  const config = await loadServerConfig({
    ...(values.config === undefined ? {} : { file: values.config }),
    env: io.env,
    overrides: values['data-dir'] === undefined ? {} : { server: { dataDir: values['data-dir'] } },
  });
  const db = await openDatabase(resolve(config.server.dataDir));
  try {
    const result = await (await AuditLog.open({ db })).verify();
    if (!result.ok) throw new ArgusError('ARGUS_ERR_AUDIT_TAMPERED', { seq: result.firstBadSeq, reason: result.reason });
    io.out(`audit log OK: ${result.entries} entries\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * `argus verify-export DIR`: exit 0 when every file matches the signed manifest, 1 with one line per problem when
 * not (a changed byte, a missing or extra file, an edited manifest, a bad or unexpected signature).
 */
async function verifyExportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'public-key': { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const [dir] = positionals;
  if (dir === undefined || positionals.length > 1) throw new Error('verify-export takes one export folder');
  const publicKey = values['public-key'] === undefined ? undefined : await readFile(values['public-key'], 'utf8');
  const report = await verifyExport(resolve(dir), publicKey === undefined ? {} : { publicKey });
  if (values.json === true) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (report.ok) io.out(`export OK: ${report.exportId ?? '?'}, ${report.files} files match the signed manifest\n`);
  else for (const problem of report.problems) io.err(`export NOT OK: ${problem.problem}${problem.file === undefined ? '' : ` ${problem.file}`}: ${problem.detail}\n`);
  return report.ok ? 0 : 1;
}

const SOURCE_OPTIONS = {
  user: { type: 'string' },
  pass: { type: 'string' },
  seconds: { type: 'string' },
  transport: { type: 'string' },
} as const;

interface SourceValues {
  user?: string;
  pass?: string;
  seconds?: string;
  transport?: string;
}

function sourceOptions(values: SourceValues): { username?: string; password?: string; transport?: 'tcp' | 'udp' } {
  if (values.transport !== undefined && values.transport !== 'tcp' && values.transport !== 'udp') {
    throw new Error(`--transport must be tcp or udp, got "${values.transport}"`);
  }
  return {
    ...(values.user === undefined ? {} : { username: values.user }),
    ...(values.pass === undefined ? {} : { password: values.pass }),
    ...(values.transport === undefined ? {} : { transport: values.transport }),
  };
}

function positiveSeconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!(seconds > 0)) throw new Error(`${flag} must be a positive number, got "${text}"`);
  return seconds;
}

function oneUrl(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new Error(`${command} takes one URL, got ${positionals.length}`);
  return positionals[0]!;
}

function describeProbe(probe: StreamProbe): string {
  const lines = [`url:      ${probe.url} (${probe.path} path${probe.transport === undefined ? '' : `, ${probe.transport}`})`];
  const v = probe.video;
  lines.push(
    v === null
      ? 'video:    none'
      : `video:    ${v.codec}${v.profile === undefined ? '' : ` ${v.profile}`}${v.level === undefined ? '' : ` level ${v.level}`}, ${v.width ?? '?'}x${v.height ?? '?'}, ${v.fps === undefined ? '? fps' : `${v.fps} fps`}`,
  );
  const a = probe.audio;
  lines.push(a === null ? 'audio:    none' : `audio:    ${a.codec}${a.sampleRate === undefined ? '' : ` ${a.sampleRate} Hz`}${a.channels === undefined ? '' : `, ${a.channels} ch`}`);
  lines.push(`bitrate:  ${probe.bitrateKbps === undefined ? 'unknown' : `${probe.bitrateKbps} kbit/s`}`);
  lines.push(`auth:     ${probe.authenticated ? 'credentials accepted' : 'no credentials given'}`);
  return `${lines.join('\n')}\n`;
}

const STREAM_SCHEMES = /^(rtsps?|rtmps?|srt|https?|file):/i;

/** A stream URL or a media file (a path, or a name that exists), as opposed to a device address. */
function isStreamTarget(target: string): boolean {
  if (STREAM_SCHEMES.test(target)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return false;
  return target.includes('/') || target.includes('\\') || existsSync(target);
}

async function probe(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...SOURCE_OPTIONS, json: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const url = oneUrl(positionals, 'probe');
  if (!isStreamTarget(url)) return probeDeviceCommand(url, values, io);
  const seconds = positiveSeconds(values.seconds, '--seconds');
  const result = await probeStream(url, { ...sourceOptions(values), ...(seconds === undefined ? {} : { seconds }) });
  io.out(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : describeProbe(result));
  return 0;
}

async function probeDeviceCommand(target: string, values: SourceValues & { json?: boolean; 'timeout-ms'?: string }, io: CliIo): Promise<number> {
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`--timeout-ms must be a positive integer, got "${values['timeout-ms']}"`);
  const address = parseDeviceAddress(target, sourceOptions(values));
  const registry = new DriverRegistry({ components: { logger: silentLogger(), clock: systemClock } });
  for (const driver of builtinDrivers()) registry.register(driver);
  const report = await probeDevice(registry, address, timeoutMs === undefined ? {} : { timeoutMs });
  io.out(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : describeDevice(report));
  // Identified but not opened (wrong or missing credentials, a device that failed): not a usable camera yet.
  if (report.sessionError !== undefined) {
    io.err(`argus: ${report.sessionError.code === undefined ? '' : `${report.sessionError.code}: `}${report.sessionError.message}\n`);
    return 1;
  }
  return 0;
}

function describeDevice(report: DeviceProbeReport): string {
  const info = report.deviceInfo;
  const lines = [
    `device:   ${report.endpoint}`,
    `driver:   ${report.driver} (score ${report.score})`,
    `type:     ${report.cameraType} ${report.typeSlug} (${report.typeName})`,
    info === undefined
      ? `info:     ${report.model ?? 'not read'}`
      : `info:     ${info.manufacturer} ${info.model}, firmware ${info.firmware}, serial ${info.serial}${info.mac === undefined ? '' : `, mac ${info.mac}`}`,
    `caps:     ${report.capabilities.length === 0 ? 'none read' : report.capabilities.join(', ')}`,
  ];
  for (const stream of report.streams ?? []) lines.push(`stream:   ${stream.id} ${stream.codec} ${stream.width}x${stream.height}${stream.fps === undefined ? '' : ` ${stream.fps} fps`}${stream.uri === undefined ? '' : ` ${stream.uri}`}`);
  if (report.sessionError !== undefined) lines.push(`session:  not opened: ${report.sessionError.code ?? ''} ${report.sessionError.message}`.trimEnd());
  const others = report.candidates.slice(1);
  if (others.length > 0) lines.push(`also:     ${others.map((c) => `${c.driver} (${c.score})`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `argus types`: the camera-type catalogue with each type's driver and status. */
function typesCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const rows = CAMERA_TYPES.map((type) => ({ id: type.id, slug: type.slug, name: type.name, family: type.family, driver: type.driver ?? null, status: type.status }));
  if (values.json === true) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((row) => row.slug.length));
  for (const row of rows) io.out(`${String(row.id).padStart(2)}  ${row.slug.padEnd(width)}  ${row.status.padEnd(9)}  ${(row.driver ?? '-').padEnd(9)}  ${row.name}\n`);
  return 0;
}

async function record(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...SOURCE_OPTIONS, out: { type: 'string' } }, allowPositionals: true, strict: true });
  const url = oneUrl(positionals, 'record');
  const seconds = positiveSeconds(values.seconds, '--seconds');
  if (seconds === undefined) throw new Error('record needs --seconds N');
  if (values.out === undefined) throw new Error('record needs --out FILE.mp4');
  const result = await recordStream(url, { ...sourceOptions(values), seconds, out: values.out });
  io.out(`recorded ${result.durationSeconds} s (${result.frames} frames, ${result.bytes} bytes, ${result.path} path) to ${result.file}\n`);
  return 0;
}

/**
 * Entry point of the `argus` command.
 *
 * @returns the process exit code
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(rest, io);
      case 'probe':
        return await probe(rest, io);
      case 'record':
        return await record(rest, io);
      case 'types':
        return typesCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'verify-export':
        return await verifyExportCommand(rest, io);
      case 'version':
      case '--version':
        io.out(`${CORE_VERSION}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return 0;
      default:
        io.err(`argus: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    return fail(io, err);
  }
}
