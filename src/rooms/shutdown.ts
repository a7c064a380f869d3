import type { CloseEvent } from "@hocuspocus/common";
import type { Extension, Hocuspocus } from "@hocuspocus/server";
import { CloseCode } from "../close-codes.ts";

/**
 * How shutdown closes a document connection. The client's close message for each room says what
 * Hocuspocus's own shutdown says (its `ResetConnection` reason, SPEC CLOSE-6); the code tells LiveShare's
 * hooks it is the server stopping, which is no error of the client's.
 */
const SHUTDOWN: CloseEvent = { code: CloseCode.ServerShutdown, reason: "Reset Connection" };

/**
 * Closes every room of this instance, as Hocuspocus's `Server.destroy()` does for a Hocuspocus used
 * without its Server: every document connection is closed (its socket stays open for the `/collab`
 * endpoint to close), every document with a store pending is stored now, and once every document is
 * unloaded the extensions' `onDestroy` hooks run (Redis disconnects there).
 */
export async function closeRooms(hocuspocus: Hocuspocus): Promise<void> {
  const { extensions } = hocuspocus.configuration;
  let unloaded!: () => void;
  const allUnloaded = new Promise<void>((resolve) => (unloaded = resolve));
  const watch: Extension = {
    extensionName: "close-rooms",
    async afterUnloadDocument({ instance }) {
      if (instance.getDocumentsCount() === 0) unloaded();
    },
  };
  extensions.push(watch);
  try {
    if (hocuspocus.getDocumentsCount() === 0) unloaded();
    // A closed connection stores its document when it was the last one (Hocuspocus's `onClose`).
    for (const document of hocuspocus.documents.values()) for (const connection of document.getConnections()) connection.close(SHUTDOWN);
    // Stores still debounced (a document whose last connection left earlier) run now.
    hocuspocus.flushPendingStores();
    await allUnloaded;
  } finally {
    extensions.splice(extensions.indexOf(watch), 1);
  }
  await hocuspocus.hooks("onDestroy", { instance: hocuspocus });
}
