import { createRequire } from "node:module";
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
    ...(options.pretty && prettyAvailable() ? { transport: { target: "pino-pretty", options: PRETTY } } : {}),
  });
  const child = (module: string): Logger => {
    const logger = root.child({ module });
    const level = options.moduleLevels?.[module];
    if (level) logger.level = level;
    return logger;
  };
  return { root, child };
}

/** One line per event, module first: `[persistence] document loaded`, fields below it. */
const PRETTY = { colorize: true, ignore: "pid,hostname,service,module", messageFormat: "{if module}[{module}] {end}{msg}" };

/** pino-pretty is a development dependency: a production install run in a terminal logs JSON instead of failing. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}
