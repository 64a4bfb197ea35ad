/**
 * The operator's structured logger (pino). JSON by default; human-readable when stdout is a
 * terminal and pino-pretty is installed. Messages are constant strings, details go in the object:
 * `log.info({ namespace, job, run, scheduledTime }, 'run finished')`.
 * Secrets never go into log fields: env values and registry credentials are redacted by path.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** 'json' | 'pretty' | 'auto' (pretty on a TTY). */
  format?: 'json' | 'pretty' | 'auto';
  /** Write synchronously (tests, short CLI commands). */
  sync?: boolean;
  /** Destination file descriptor (default 1 = stdout). */
  fd?: number;
}

export const REDACT_PATHS = [
  '*.password',
  '*.token',
  '*.auth',
  '*.authorization',
  '*.registryAuth',
  '*.env[*].value',
  'env[*].value',
];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const fd = opts.fd ?? 1;
  const wantPretty = opts.format === 'pretty' || (opts.format !== 'json' && process.stdout.isTTY && fd === 1);
  if (wantPretty) {
    try {
      return pino({
        level,
        redact: REDACT_PATHS,
        transport: { target: 'pino-pretty', options: { destination: fd, sync: opts.sync ?? false } },
      });
    } catch {
      // pino-pretty is a dev dependency: fall through to JSON in production images.
    }
  }
  return pino({ level, redact: REDACT_PATHS }, pino.destination({ dest: fd, sync: opts.sync ?? false }));
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
