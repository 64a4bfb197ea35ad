/**
 * `ofelia-operator run [flags]`: parse and validate the configuration, then run the operator
 * until SIGTERM/SIGINT. Exit codes: 0 after a graceful shutdown, 2 for a bad flag or variable,
 * 1 when start-up fails (Docker unreachable, data directory unusable, port taken ...); each
 * failure is one line on stderr.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseConfig, runHelp } from '../config/index.ts';
import { createLogger } from '../log/logger.ts';
import { StartupError } from '../operator/errors.ts';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(runHelp());
    return 0;
  }
  const parsed = parseConfig(argv, process.env, {
    readFile: (path) => readFileSync(path, 'utf8'),
    hostname: hostname(),
  });
  if (!parsed.ok) {
    process.stderr.write(`ofelia-operator: ${parsed.error.message}\n`);
    return 2;
  }
  const config = parsed.config;
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  // Loaded here so that `run --help` and flag errors stay fast.
  const { runOperator } = await import('../operator/index.ts');
  try {
    return await runOperator(config, { logger });
  } catch (e) {
    if (e instanceof StartupError) {
      logger.error({ reason: e.reason, err: e.cause ?? e }, 'start-up failed');
      logger.flush();
      process.stderr.write(`ofelia-operator: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
