import { useEffect, useRef, useState } from "react";
import type { ClientStatus, LiveShareClient, Peer } from "liveshare/client";
import type { SchemaJson } from "../schema.ts";

/**
 * React views of the client library's state. The library owns the state; these only re-render when
 * it says something changed, at most once per animation frame for the diagram (a drag from someone
 * else is one change per frame, not one per message).
 */
export function useDiagram(client: LiveShareClient): SchemaJson {
  const [diagram, setDiagram] = useState<SchemaJson>(() => client.diagram());
  useEffect(() => {
    let frame = 0;
    const update = () => {
      frame = 0;
      setDiagram(client.diagram());
    };
    const onChange = () => {
      if (frame === 0) frame = requestAnimationFrame(update);
    };
    client.on("change", onChange);
    update();
    return () => {
      client.off("change", onChange);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [client]);
  return diagram;
}

export function useStatus(client: LiveShareClient): ClientStatus {
  const [status, setStatus] = useState<ClientStatus>(() => ({ ...client.status }));
  useEffect(() => {
    const onStatus = (s: ClientStatus) => setStatus({ ...s });
    client.on("status", onStatus);
    setStatus({ ...client.status });
    return () => client.off("status", onStatus);
  }, [client]);
  return status;
}

/**
 * Everyone else in the room, updated at most once per frame. With `keyOf`, only when the key of what
 * the caller shows changes: ten people moving their pointers must not re-render the person list or
 * the 500 tables, only the cursors.
 */
export function usePeers(client: LiveShareClient, keyOf?: (peers: readonly Peer[]) => string): Peer[] {
  const [peers, setPeers] = useState<Peer[]>(() => client.presence.others());
  const keyRef = useRef(keyOf);
  keyRef.current = keyOf;
  useEffect(() => {
    let frame = 0;
    let latest: Peer[] = [];
    let shownKey: string | undefined;
    const show = (others: Peer[]) => {
      const key = keyRef.current?.(others);
      if (key !== undefined && key === shownKey) return;
      shownKey = key;
      setPeers(others);
    };
    const onPresence = (others: Peer[]) => {
      latest = others;
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          show(latest);
        });
      }
    };
    client.on("presence", onPresence);
    show(client.presence.others());
    return () => {
      client.off("presence", onPresence);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [client]);
  return peers;
}

/** What the person list shows of each peer (not their pointer or viewport). */
export const peopleKey = (peers: readonly Peer[]) => peers.map((p) => `${p.clientId}\u0000${p.user.id}\u0000${p.user.name}\u0000${p.user.color}\u0000${p.status}`).join("\u0001");
/** What the tables show of each peer: who has which tables selected. */
export const selectionKey = (peers: readonly Peer[]) =>
  peers
    .filter((p) => p.selection.length > 0)
    .map((p) => `${p.user.name}\u0000${p.user.color}\u0000${p.selection.join(",")}`)
    .join("\u0001");

/** Whether there is something of one's own to undo or redo. */
export function useUndoState(client: LiveShareClient): { canUndo: boolean; canRedo: boolean } {
  const [state, setState] = useState(() => ({ canUndo: client.canUndo, canRedo: client.canRedo }));
  useEffect(() => {
    const onHistory = (s: { canUndo: boolean; canRedo: boolean }) => setState({ ...s });
    client.on("history", onHistory);
    return () => client.off("history", onHistory);
  }, [client]);
  return state;
}
