import { memo } from "react";
import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type Edge, type EdgeProps } from "@xyflow/react";
import type { Cardinality } from "../schema.ts";

export type RelationshipEdgeData = { cardinality: Cardinality; name?: string; /** Labels only when they can be read. */ detailed: boolean };
export type RelationshipEdgeType = Edge<RelationshipEdgeData, "relationship">;

/**
 * The ends of a relationship as people read them: the referencing side (`from`, where the foreign key
 * is) is the "many" side of one-to-many.
 */
const ENDS: Record<Cardinality, { from: string; to: string; words: string }> = {
  one_to_one: { from: "1", to: "1", words: "one to one" },
  one_to_many: { from: "N", to: "1", words: "one to many" },
  many_to_many: { from: "N", to: "M", words: "many to many" },
};

/** A relationship line with its cardinality written at both ends. */
export const RelationshipEdge = memo(function RelationshipEdge(props: EdgeProps<RelationshipEdgeType>) {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd } = props;
  const [path] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, borderRadius: 8 });
  const ends = ENDS[data?.cardinality ?? "one_to_many"];
  const dir = (a: number, b: number) => (b >= a ? 1 : -1);
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} className={selected ? "relationship selected" : "relationship"} />
      {data?.detailed !== false && <EdgeLabelRenderer>
        <span
          className="cardinality"
          title={`${data?.name ? `${data.name}: ` : ""}${ends.words}`}
          style={{ transform: `translate(-50%, -100%) translate(${sourceX + 14 * dir(sourceX, targetX)}px, ${sourceY - 2}px)` }}
        >
          {ends.from}
        </span>
        <span
          className="cardinality"
          title={ends.words}
          style={{ transform: `translate(-50%, -100%) translate(${targetX - 14 * dir(sourceX, targetX)}px, ${targetY - 2}px)` }}
        >
          {ends.to}
        </span>
      </EdgeLabelRenderer>}
    </>
  );
});
