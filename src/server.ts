import { ConfigError, loadConfig } from "./config.ts";
import { createLiveShare } from "./liveshare.ts";

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
  await liveshare.listen();
  const stop = async (signal: string) => {
    liveshare.core.logger("server").info({ signal }, "signal received");
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
