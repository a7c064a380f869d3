import type { TestServer } from "./server.ts";

export interface Actor {
  token: string;
  userId: string;
}

/** The four kinds of authenticated caller a diagram has: its owner, an editor, a viewer and a stranger. */
export interface Actors {
  owner: Actor;
  editor: Actor;
  viewer: Actor;
  stranger: Actor;
}

/** Logs in `<prefix>-owner`, `<prefix>-editor`, `<prefix>-viewer` and `<prefix>-stranger`. */
export async function actors(server: Pick<TestServer, "api">, prefix = "p"): Promise<Actors> {
  const [owner, editor, viewer, stranger] = await Promise.all(
    ["owner", "editor", "viewer", "stranger"].map((name) => server.api.login(`${prefix}-${name}`)),
  );
  return { owner: owner!, editor: editor!, viewer: viewer!, stranger: stranger! };
}

/** A diagram owned by `owner`, shared edit with `editor` and view with `viewer`, with a live room. */
export async function sharedDiagram(server: Pick<TestServer, "api">, who: Actors): Promise<{ diagramId: string; roomId: string }> {
  const diagramId = await server.api.createDiagram(who.owner.token, "Permissions");
  await server.api.share(who.owner.token, diagramId, who.editor.userId, "edit");
  await server.api.share(who.owner.token, diagramId, who.viewer.userId, "view");
  const roomId = await server.api.startSession(who.owner.token, diagramId);
  return { diagramId, roomId };
}
