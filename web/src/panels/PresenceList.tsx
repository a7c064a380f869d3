import type { Peer } from "liveshare/client";
import type { SignedIn } from "../auth.ts";
import { STATUS_WORDS } from "./status-words.ts";

/** Who is here and whether they are active; clicking a person follows their viewport. */
export function PresenceList({ peers, me, following, onFollow }: { peers: readonly Peer[]; me: SignedIn; following: string | null; onFollow: (userId: string | null) => void }) {
  // One entry per person, even with several tabs open: the most active of their connections.
  const people = new Map<string, Peer>();
  const rank = { active: 0, idle: 1, away: 2 } as const;
  for (const p of peers) {
    if (p.user.id === me.userId) continue;
    const seen = people.get(p.user.id);
    if (!seen || rank[p.status] < rank[seen.status]) people.set(p.user.id, p);
  }
  return (
    <ul className="presence" aria-label="People in this diagram">
      <li className="person me" title="You">
        <span className="avatar">{initials(me.name)}</span>
        <span className="person-name">{me.name} (you)</span>
      </li>
      {[...people.values()].map((p) => {
        const isFollowed = following === p.user.id;
        return (
          <li key={p.user.id} className={`person status-${p.status}`} data-user={p.user.name} data-status={p.status}>
            <button
              onClick={() => onFollow(isFollowed ? null : p.user.id)}
              aria-pressed={isFollowed}
              title={isFollowed ? `Stop following ${p.user.name}` : `Follow ${p.user.name}'s view`}
            >
              <span className="avatar" style={{ background: p.user.color }}>
                {initials(p.user.name)}
              </span>
              <span className="person-name">{p.user.name}</span>
              <span className="person-status">{STATUS_WORDS[p.status]}</span>
              {isFollowed && <span className="following">Following</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join("") || "?"
  );
}
