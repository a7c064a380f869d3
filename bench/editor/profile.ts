/**
 * Where the editor's time goes while it opens a 500-table diagram: a Chromium CPU profile of one load,
 * summed by function (self time) and by script, plus the page's own marks. For finding what to fix;
 * the figures to quote come from editor.ts.
 *
 * Run: npm run build:web && node --import tsx bench/editor/profile.ts   (PHASE=drag: a drag with 10 remote cursors instead;
 * PROFILE_OUT=file.cpuprofile: also write the profile, for Chromium's DevTools or a closer look)
 */
import { writeFile } from "node:fs/promises";
import { moveRemoteCursors, openLargeDiagram } from "./large-diagram.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function main(): Promise<void> {
  const { server, browser, token, roomId, diagramId, url, close } = await openLargeDiagram("profile");
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    let t0 = 0;
    const events: string[] = [];
    const note = (what: string, timestamp: number) => events.push(`${((timestamp - t0) * 1000).toFixed(0).padStart(6)} ms ${what}`);
    cdp.on("Network.requestWillBeSent", (e) => {
      if (!t0) t0 = e.timestamp;
      note(`request ${e.request.method} ${e.request.url.replace(server.httpUrl, "").slice(0, 70)}`, e.timestamp);
    });
    cdp.on("Network.loadingFinished", (e) => note(`finished ${e.requestId}`, e.timestamp));
    cdp.on("Network.webSocketCreated", () => events.push("websocket created"));
    cdp.on("Network.webSocketFrameSent", (e) => note(`ws sent ${e.response.payloadData.length}`, e.timestamp));
    cdp.on("Network.webSocketFrameReceived", (e) => note(`ws received ${e.response.payloadData.length}`, e.timestamp));
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    await page.goto(url, { waitUntil: "commit" });
    const done = await page.waitForFunction(
      () => {
        const client = (window as unknown as { liveshare?: { status: { connection: string }; diagram(): { tables: unknown[] } } }).liveshare;
        if (!client || client.status.connection !== "synced" || client.diagram().tables.length !== 500) return false;
        return document.querySelectorAll(".react-flow__node .table-node").length >= 500 ? window.performance.now() : false;
      },
      null,
      { polling: "raf", timeout: 60_000 },
    );
    const at = (await done.jsonValue()) as number;
    let { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: Profile };
    if (process.env.PHASE === "drag") {
      // Ten people move their pointers while this one drags a table; profile that instead.
      const cursors = await moveRemoteCursors({ server, token, diagramId, roomId }, 10);
      await page.locator(".remote-cursor").first().waitFor({ timeout: 10_000 });
      const head = (await page.locator(".react-flow__node .table-head").first().boundingBox())!;
      await page.mouse.move(head.x + 10, head.y + head.height / 2);
      await page.mouse.down();
      await cdp.send("Profiler.start");
      if (process.env.TRACE) await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "cc", "blink"] });
      const started = Date.now();
      let step = 0;
      while (Date.now() - started < 4000) {
        step++;
        await page.mouse.move(head.x + 10 + (step % 200) * 2, head.y + head.height / 2 + (step % 100));
      }
      if (process.env.TRACE) {
        // Where the main and compositor threads spend their time: trace events summed by name.
        const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: { name: string; ph: string; dur?: number; tid: number }[] };
        const sums = new Map<string, number>();
        for (const e of trace.traceEvents) if (e.ph === "X" && e.dur) sums.set(e.name, (sums.get(e.name) ?? 0) + e.dur / 1000);
        console.log([...sums].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms ${k}`).join("\n"));
      }
      profile = ((await cdp.send("Profiler.stop")) as unknown as { profile: Profile }).profile;
      await page.mouse.up();
      cursors.stop();
    }
    if (process.env.PROFILE_OUT) await writeFile(process.env.PROFILE_OUT, JSON.stringify(profile));
    const marks = await page.evaluate(() => window.performance.getEntriesByType("mark").map((m) => `${m.name} ${m.startTime.toFixed(0)}`));
    console.log(`interactive at ${at.toFixed(0)} ms; marks: ${marks.join(", ")}`);
    console.log(events.slice(0, 40).join("\n"));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    const byScript = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const { callFrame: f } = byId.get(id)!;
      const dt = (profile.timeDeltas[i] ?? 0) / 1000;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber}:${f.columnNumber}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      const script = f.url.split("/").pop() || f.functionName;
      byScript.set(script, (byScript.get(script) ?? 0) + dt);
    });
    // A timeline: per 250 ms, the busiest function (self) and how much was idle.
    let t = profile.timeDeltas.length ? 0 : 0;
    const buckets = new Map<number, Map<string, number>>();
    profile.samples.forEach((id, i) => {
      t += (profile.timeDeltas[i] ?? 0) / 1000;
      const { callFrame: f } = byId.get(id)!;
      const b = Math.floor(t / 250);
      const m = buckets.get(b) ?? new Map<string, number>();
      const key = f.functionName || "(anonymous)";
      m.set(key, (m.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      buckets.set(b, m);
    });
    for (const [b, m] of [...buckets].sort((x, y) => x[0] - y[0])) {
      console.log(`${String(b * 250).padStart(6)} ms: ` + [...m].sort((x, y) => y[1] - x[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", "));
    }
    const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms  ${k}`).join("\n");
    console.log("by script:\n" + top(byScript, 12));
    console.log("by function (self):\n" + top(self, 40));
  } finally {
    await close();
  }
}

await main();
