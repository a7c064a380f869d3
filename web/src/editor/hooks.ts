import { useEffect, useState } from "react";
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

/** Everyone else in the room, updated at most once per frame. */
export function usePeers(client: LiveShareClient): Peer[] {
  const [peers, setPeers] = useState<Peer[]>(() => client.presence.others());
  useEffect(() => {
    let frame = 0;
    let latest: Peer[] = [];
    const onPresence = (others: Peer[]) => {
      latest = others;
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          setPeers(latest);
        });
      }
    };
    client.on("presence", onPresence);
    setPeers(client.presence.others());
    return () => {
      client.off("presence", onPresence);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [client]);
  return peers;
}

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
