/**
 * Bare `@hocuspocus/server` for the side-by-side comparison: no extensions, documents in memory,
 * every token accepted. Started by the load test as a child process with PORT set.
 */
import { Server } from "@hocuspocus/server";

const port = Number(process.env.PORT ?? 0);
const server = new Server({ port, address: "127.0.0.1", quiet: true, stopOnSignals: false });
await server.listen();
process.stdout.write(`listening ${server.address.port}\n`);

const stop = async () => {
  await server.destroy();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
