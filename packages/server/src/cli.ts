import { parseArgs } from 'node:util';
import { CORE_VERSION, hasErrorCode } from '@argus/core';
import { loadServerConfig } from './load-config.js';
import { startServer } from './start-server.js';

const USAGE = `Usage: argus <command> [options]

Commands:
  start             start the reference server
      --config FILE     YAML configuration file (every option is also an env var)
      --port N          listen port (ARGUS_PORT, default 8080)
      --host ADDR       listen address (ARGUS_HOST, default 0.0.0.0)
      --data-dir DIR    data directory (ARGUS_DATA_DIR, default ./data)
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
    },
    strict: true,
  });
  const server: Record<string, unknown> = {};
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
  const running = await startServer({ config, ...(metricsToken ? { metricsToken } : {}) });
  io.out(`argus ${CORE_VERSION} listening on ${running.url} (data in ${config.server.dataDir})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
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
