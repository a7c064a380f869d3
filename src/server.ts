import { ConfigError, loadConfig } from "./config.ts";
import { createLiveShare } from "./assembly.ts";

/** How long a signal may take to store and close everything before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** Entry point: configuration → LiveShare → listen; SIGTERM/SIGINT store everything and exit 0. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`liveshare: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const liveshare = await createLiveShare(config);
  try {
    await liveshare.listen();
  } catch (error) {
    // Release the database (and DATA_DIR's lock) before reporting: nothing was served.
    await liveshare.close().catch(() => {});
    throw error;
  }
  const stop = async (signal: string) => {
    liveshare.core.logger("server").info({ signal }, "signal received");
    // Never hang a deploy: storing can wait on a database that is gone, and the update log already
    // holds every acknowledged edit.
    const deadline = setTimeout(() => {
      liveshare.core.logger("server").error({ seconds: SHUTDOWN_TIMEOUT_MS / 1000 }, "shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await liveshare.close();
      process.exit(0);
    } catch (error) {
      liveshare.core.logger("server").error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`liveshare: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
