import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  moduleLevels?: Record<string, LogLevel>;
  /** Pretty, human-readable lines (development in a terminal); JSON otherwise. */
  pretty?: boolean;
}

/**
 * The root logger plus `child(module)`, which gives each module its own logger (and level, from
 * LOG_LEVELS) so an operator can turn one part up without drowning in the rest.
 */
export function createLogger(options: LoggerOptions): { root: Logger; child: (module: string) => Logger } {
  const root = pino({
    level: options.level,
    base: { service: "liveshare" },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
  const child = (module: string): Logger => {
    const logger = root.child({ module });
    const level = options.moduleLevels?.[module];
    if (level) logger.level = level;
    return logger;
  };
  return { root, child };
}
