import pino, { type Logger, type DestinationStream } from 'pino';
import { currentCaller, currentRequestId } from './request-scope';

export type { Logger };

/**
 * Paths pino removes from every line before it is written. The logger itself redacts, so a
 * careless `log.info({ headers })` cannot leak a token.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'sk',
  '*.sk',
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers["x-auth-token"]',
  '*.headers["x-auth-token"]',
  'headers["x-subject-token"]',
  '*.headers["x-subject-token"]',
  'headers.cookie',
  '*.headers.cookie',
  'variables.password',
  'variables.*.password',
  'variables.input.password',
];

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (pino-pretty) instead of JSON. */
  pretty?: boolean;
  /** Where lines go (tests capture them); stdout when absent. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'bff-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: requestIdMixin,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    try {
      require.resolve('pino-pretty');
      return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
    } catch {
      // pino-pretty is a development dependency; production images log JSON.
    }
  }
  return pino(base);
}

/** Adds the served request's id, and who it is from once known, to lines from loggers that were not bound to it. */
function requestIdMixin(_merge: object, _level: number, logger: Logger): object {
  const requestId = currentRequestId();
  if (requestId === undefined || 'requestId' in logger.bindings()) return {};
  const caller = currentCaller();
  return caller === undefined ? { requestId } : { requestId, caller };
}
