import { readFileSync } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import path from "node:path";

/** Refusal to start: DATA_DIR belongs to another running server. */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_FILE = "liveshare.lock";

/**
 * Takes DATA_DIR for this process, the way PostgreSQL's `postmaster.pid` does: a lock file created
 * exclusively, holding the owner's pid and the time the kernel started it. Two servers on one folder
 * would each load the database and lose the other's acknowledged writes, so the second one refuses.
 * A lock whose process is gone (`kill -9`, a crash, a container restarted with the same pid) is
 * stale and taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${process.pid}\n${startTimeOf(process.pid) ?? ""}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(mine);
      await handle.sync();
      await handle.close();
      return {
        async release() {
          // Only our own lock: a stale-lock takeover by another process must not be undone.
          if ((await readFile(file, "utf8").catch(() => "")) === mine) await unlink(file).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readFile(file, "utf8").catch(() => "");
    const [pidText = "", startTime = ""] = owner.split("\n");
    const pid = Number.parseInt(pidText, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid, startTime)) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by another LiveShare server (pid ${pid}); stop it, or give this server its own DATA_DIR`,
      );
    }
    await unlink(file).catch(() => {});
  }
  throw new DataDirInUseError(`DATA_DIR ${dataDir}: could not take ${LOCK_FILE}; another server is starting on it`);
}

/** Whether the process that wrote the lock still runs (not a zombie, not a new process with its pid). */
function alive(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const stat = procStat(pid);
  if (!stat) return true;
  if (stat.state === "Z") return false;
  return startTime === "" || stat.startTime === startTime;
}

function startTimeOf(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** State and start time (clock ticks since boot) from /proc/PID/stat; undefined where there is no /proc. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}
