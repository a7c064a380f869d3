import { memo } from "react";
import { ViewportPortal, useStore } from "@xyflow/react";
import type { LiveShareClient } from "liveshare/client";
import { usePeers } from "../editor/hooks.ts";
import { STATUS_WORDS } from "../panels/status-words.ts";

/**
 * Everyone else's pointer, in diagram coordinates (so it stays on the same table however each of us
 * has panned), with their name in their colour. Idle and Away pointers are faded and say so.
 */
export const RemoteCursors = memo(function RemoteCursors({ client }: { client: LiveShareClient }) {
  // The only part of the page that follows every pointer move.
  const peers = usePeers(client);
  // Labels keep their size on screen whatever the zoom.
  const zoom = useStore((s) => s.transform[2]);
  return (
    <ViewportPortal>
      {peers.map((peer) =>
        peer.cursor ? (
          <div
            key={peer.clientId}
            className={`remote-cursor status-${peer.status}`}
            data-user={peer.user.name}
            data-status={peer.status}
            style={{ transform: `translate(${peer.cursor.x}px, ${peer.cursor.y}px) scale(${1 / zoom})` }}
          >
            <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
              <path d="M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z" fill={peer.user.color} stroke="white" strokeWidth="1.2" />
            </svg>
            <span className="cursor-label" style={{ background: peer.user.color }}>
              {peer.user.name}
              {peer.status !== "active" && ` · ${STATUS_WORDS[peer.status]}`}
            </span>
          </div>
        ) : null,
      )}
    </ViewportPortal>
  );
});
