import type { ClientStatus } from "liveshare/client";
import { closedWords } from "./status-words.ts";

/** A connection that will not come back, said as what it is, with the way forward. */
export function ClosedNotice({ closed, diagramId, unsaved }: { closed: NonNullable<ClientStatus["closed"]>; diagramId: string; unsaved: number }) {
  const { title, body } = closedWords(closed.reason, closed.message, unsaved);
  return (
    <div className="overlay" role="alertdialog" aria-modal="true" aria-labelledby="closed-title" data-reason={closed.reason}>
      <div className="dialog">
        <h2 id="closed-title">{title}</h2>
        <p>{body}</p>
        <p className="actions">
          {closed.reason === "session-ended" && (
            <a className="button primary" href={`/editor/${diagramId}`}>
              Open the diagram again
            </a>
          )}
          {closed.reason !== "session-ended" && closed.reason !== "access-revoked" && closed.reason !== "diagram-deleted" && (
            <button className="primary" onClick={() => location.reload()}>
              Try again
            </button>
          )}
          <a className="button" href="/">
            Back to your diagrams
          </a>
        </p>
      </div>
    </div>
  );
}
