/** What one run of one target is told: the scenario, the traffic, the server to start or use. */
export interface RunOptions {
  users: number;
  rooms: number;
  durationS: number;
  graceS: number;
  workers: number;
  cursorHz: number;
  editHz: number;
  /** JSON-protocol users (LiveShare only; bare Hocuspocus gets Yjs users in their place). */
  jsonClients: number;
  connectConcurrency: number;
  connectTimeoutS: number;
  setupTimeoutS: number;
  /**
   * Niceness of the generator's worker threads. Above 0 the server gets the CPU it asks for, so its
   * CPU figure is its demand at full service (latencies then carry the generator's own delays).
   */
  generatorNice: number;
  /** An already running LiveShare (no server started, CPU and RSS read from its /metrics). */
  url: string | undefined;
  adminDatabaseUrl: string;
  /** Write CPU profiles of the servers here (`--cpu-prof`). */
  profileDir: string | undefined;
  /** Extra environment for the LiveShare server. */
  serverEnv: Record<string, string>;
  /** LiveShare entry point (default src/server.ts). */
  liveshareEntry: string | undefined;
  /** The baseline target's entry point: another checkout's src/server.ts. */
  baselineEntry: string | undefined;
  /** Extra Node.js flags for the LiveShare server process. */
  serverNodeArgs: string[];
  log: (line: string) => void;
}
