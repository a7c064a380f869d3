import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type Viewport,
} from "@xyflow/react";
import type { LiveShareClient, Peer } from "liveshare/client";
import type { RelationshipJson, SchemaJson, TableJson } from "../schema.ts";
import { applyStep } from "../editor/apply-step.ts";
import { COMPACT, COMPACT_HANDLES, TABLE_IN, TABLE_OUT, TableNode, columnOfHandle, useDetailed, type SelectionMark, type TableNodeType } from "./TableNode.tsx";
import { RelationshipEdge, type RelationshipEdgeType } from "./RelationshipEdge.tsx";
import { RemoteCursors } from "./RemoteCursors.tsx";
import { selectionKey, usePeers } from "../editor/hooks.ts";

const nodeTypes = { table: TableNode };
const edgeTypes = { relationship: RelationshipEdge };
/** Moves of a dragged table are sent at most this often; the last position is always sent. */
const MOVE_INTERVAL_MS = 33;
/** Above this many tables the minimap is left out (it subscribes to every node). */
const MINIMAP_MAX_TABLES = 150;
// Props of React Flow given once: a new object on each render is copied into its store, which wakes
// every node's and relationship's subscription (during a drag, once more per frame).
const FIT_VIEW = { maxZoom: 1, padding: 0.15 };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = ["Delete", "Backspace"];

export interface Selection {
  tables: string[];
  relationships: string[];
}

interface CanvasProps {
  client: LiveShareClient;
  diagram: SchemaJson;
  readOnly: boolean;
  onSelection: (selection: Selection) => void;
  onError: (message: string) => void;
}

/**
 * The diagram on a pan/zoom canvas (React Flow). Tables are nodes, relationships edges; a drag is
 * sent as MoveTable operations while it happens (one undo step), selections and the pointer go to
 * presence, and a connection from one column's handle to another's creates a relationship.
 */
export const Canvas = memo(function Canvas({ client, diagram, readOnly, onSelection, onError }: CanvasProps) {
  const flow = useReactFlow<TableNodeType, RelationshipEdgeType>();
  const selectionMarks = useSelectionMarks(usePeers(client, selectionKey));
  const dragging = useRef(new Map<string, { x: number; y: number }>());
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [nodes, setNodes] = useState<TableNodeType[]>([]);
  const wrapper = useRef<HTMLDivElement>(null);

  // The first time there are tables, show them all: the viewport is set in the same render as the
  // nodes (React Flow's fitView would first draw and measure them at zoom 1, then again zoomed out).
  const placed = useRef(false);
  // Compact until placed: a large diagram is first seen whole, and drawing its 500 tables with every
  // column (and two handles per column) only to replace them a frame later doubled the time to open it.
  const zoomedIn = useDetailed();
  const detailed = zoomedIn && placed.current;
  const foreignKeys = useMemo(() => foreignKeysByTable(diagram.relationships), [diagram.relationships]);
  // Rebuild nodes from the diagram, reusing each node object whose table, marks and selection are
  // unchanged, so React Flow re-renders only what changed (a remote drag touches one node).
  useEffect(() => {
    if (!placed.current && diagram.tables.length > 0 && wrapper.current) {
      placed.current = true;
      const box = wrapper.current.getBoundingClientRect();
      void flow.setViewport(viewportShowing(diagram.tables, box.width, box.height));
    }
    setNodes((previous) => {
      const before = new Map(previous.map((n) => [n.id, n]));
      const next = diagram.tables.map((table) => {
        const old = before.get(table.id);
        const local = dragging.current.get(table.id);
        const position = local ?? { x: table.x, y: table.y };
        const fks = foreignKeys.get(table.id) ?? NO_KEYS;
        const marks = selectionMarks.get(table.id) ?? NO_MARKS;
        const isSelected = selected.has(table.id);
        if (
          old &&
          old.position.x === position.x &&
          old.position.y === position.y &&
          sameTable(old.data.table, table) &&
          old.data.foreignKeys === fks &&
          old.data.selectedBy === marks &&
          old.data.readOnly === readOnly &&
          old.data.detailed === detailed &&
          Boolean(old.selected) === isSelected
        ) {
          return old;
        }
        return {
          id: table.id,
          type: "table" as const,
          position,
          selected: isSelected,
          // Keep measured size: without it React Flow hides the node until it measures it again.
          ...(old?.measured && old.data.detailed === detailed ? { measured: old.measured } : {}),
          // A compact table's size is known: it is drawn visible at once rather than after being measured.
          // (Not as `measured`: React Flow's first measuring would then replace the declared handles with
          // the rendered ones — there are none — and no relationship would be drawn.)
          ...(detailed ? {} : { handles: COMPACT_HANDLES, initialWidth: COMPACT.width, initialHeight: COMPACT.height }),
          data: { table: old && sameTable(old.data.table, table) ? old.data.table : table, foreignKeys: fks, selectedBy: marks, readOnly, detailed },
        };
      });
      // Unchanged: keep the same array, so React Flow's store (and its ~2 subscribers per element) is not woken.
      return next.length === previous.length && next.every((n, i) => n === previous[i]) ? previous : next;
    });
  }, [diagram.tables, foreignKeys, selectionMarks, selected, readOnly, detailed, flow]);

  // Edges keep their identity while their relationship, selection and level of detail stay the same,
  // and the array its identity while no edge changed: a drag elsewhere must not redraw 400 edges.
  const edgeCache = useRef<{ edges: RelationshipEdgeType[]; byId: Map<string, { from: RelationshipJson; edge: RelationshipEdgeType }> }>({ edges: [], byId: new Map() });
  const edges = useMemo<RelationshipEdgeType[]>(() => {
    const cache = edgeCache.current;
    const byId = new Map<string, { from: RelationshipJson; edge: RelationshipEdgeType }>();
    const centre = new Map(diagram.tables.map((t) => [t.id, t.x + 110]));
    const next = diagram.relationships.map((r) => {
      const isSelected = selected.has(r.id);
      // Leave each table on the side facing the other one, so a line never loops around a table.
      const leftward = (centre.get(r.from_table) ?? 0) > (centre.get(r.to_table) ?? 0);
      const [out, into] = leftward ? (["in", "out"] as const) : (["out", "in"] as const);
      const sourceHandle = detailed ? `${r.from_columns[0]}:${out}` : leftward ? TABLE_IN : TABLE_OUT;
      const targetHandle = detailed ? `${r.to_columns[0]}:${into}` : leftward ? TABLE_OUT : TABLE_IN;
      const old = cache.byId.get(r.id);
      const edge =
        old && old.from === r && Boolean(old.edge.selected) === isSelected && old.edge.sourceHandle === sourceHandle && old.edge.targetHandle === targetHandle
          ? old.edge
          : {
              id: r.id,
              type: "relationship" as const,
              source: r.from_table,
              sourceHandle,
              target: r.to_table,
              targetHandle,
              selected: isSelected,
              data: { cardinality: r.cardinality, detailed, ...(r.name ? { name: r.name } : {}) },
            };
      byId.set(r.id, { from: r, edge });
      return edge;
    });
    const same = next.length === cache.edges.length && next.every((e, i) => e === cache.edges[i]);
    edgeCache.current = { edges: same ? cache.edges : next, byId };
    return edgeCache.current.edges;
  }, [diagram.relationships, diagram.tables, selected, detailed]);

  // Moves during a drag: at most one MoveTable per table per MOVE_INTERVAL_MS, the last one always.
  const pendingMoves = useRef(new Map<string, { x: number; y: number }>());
  const lastSent = useRef(0);
  const flushTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const flushMoves = useCallback(() => {
    clearTimeout(flushTimer.current);
    flushTimer.current = undefined;
    const moves = [...pendingMoves.current].map(([table_id, p]) => ({ type: "MoveTable" as const, table_id, x: Math.round(p.x), y: Math.round(p.y) }));
    pendingMoves.current.clear();
    lastSent.current = performance.now();
    if (moves.length === 0) return;
    try {
      client.apply(moves);
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    }
  }, [client, onError]);

  const onNodesChange = useCallback(
    (changes: NodeChange<TableNodeType>[]) => {
      let moved = false;
      let dragEnded = false;
      let selectionChanged = false;
      const nextSelected = new Set(selected);
      for (const change of changes) {
        if (change.type === "position" && change.position && !readOnly) {
          if (change.dragging) dragging.current.set(change.id, change.position);
          else {
            dragging.current.delete(change.id);
            dragEnded = true;
          }
          pendingMoves.current.set(change.id, change.position);
          moved = true;
        } else if (change.type === "select") {
          selectionChanged = true;
          if (change.selected) nextSelected.add(change.id);
          else nextSelected.delete(change.id);
        } else if (change.type === "remove" && !readOnly) {
          applyStep(client, { type: "DeleteTable", table_id: change.id }, onError);
        }
      }
      // Positions, sizes and selection show at once; the diagram follows through the client library.
      setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove" && (c.type !== "position" || !readOnly)), current));
      if (moved) {
        if (dragEnded || performance.now() - lastSent.current >= MOVE_INTERVAL_MS) flushMoves();
        else flushTimer.current ??= setTimeout(flushMoves, MOVE_INTERVAL_MS);
        // A whole drag is one undo step.
        if (dragEnded) client.stopCapturing();
      }
      if (selectionChanged) setSelected(nextSelected);
    },
    [client, readOnly, selected, flushMoves, onError],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<RelationshipEdgeType>[]) => {
      let selectionChanged = false;
      const nextSelected = new Set(selected);
      for (const change of changes) {
        if (change.type === "select") {
          selectionChanged = true;
          if (change.selected) nextSelected.add(change.id);
          else nextSelected.delete(change.id);
        } else if (change.type === "remove" && !readOnly) {
          applyStep(client, { type: "DeleteRelationship", relationship_id: change.id }, onError);
        }
      }
      if (selectionChanged) setSelected(nextSelected);
    },
    [client, readOnly, selected, onError],
  );

  // Selection goes to the inspector and to presence (others see it highlighted).
  // Told only when it differs, so a change elsewhere in the diagram does not re-render the page around the canvas.
  const toldSelection = useRef<string>(undefined);
  useEffect(() => {
    const tables = diagram.tables.filter((t) => selected.has(t.id)).map((t) => t.id);
    const relationships = diagram.relationships.filter((r) => selected.has(r.id)).map((r) => r.id);
    const key = `${tables.join(",")}|${relationships.join(",")}`;
    if (key === toldSelection.current) return;
    toldSelection.current = key;
    onSelection({ tables, relationships });
  }, [selected, diagram, onSelection]);
  useEffect(() => {
    client.presence.set({ selection: [...selected] });
  }, [client, selected]);

  const onConnect = useCallback(
    (connection: Connection) => {
      const from = columnOfHandle(connection.sourceHandle);
      const to = columnOfHandle(connection.targetHandle);
      if (!from || !to || connection.source === connection.target) return;
      applyStep(
        client,
        { type: "CreateRelationship", from_table: connection.source, from_columns: [from], to_table: connection.target, to_columns: [to], cardinality: "one_to_many" },
        onError,
      );
    },
    [client, onError],
  );

  // The pointer in diagram coordinates, at most once per frame.
  const pointerFrame = useRef(0);
  const onPointerMove = useCallback(
    (event: React.PointerEvent) => {
      const { clientX, clientY } = event;
      if (pointerFrame.current !== 0) return;
      pointerFrame.current = requestAnimationFrame(() => {
        pointerFrame.current = 0;
        const p = flow.screenToFlowPosition({ x: clientX, y: clientY });
        client.presence.set({ cursor: { x: Math.round(p.x), y: Math.round(p.y) } });
      });
    },
    [client, flow],
  );
  const onPointerLeave = useCallback(() => client.presence.set({ cursor: null }), [client]);

  // The viewport goes to presence (for people who follow us); panning ourselves stops following.
  const publishViewport = useCallback(
    (viewport: Viewport) => {
      const box = wrapper.current?.getBoundingClientRect();
      if (!box) return;
      const center = { x: Math.round((box.width / 2 - viewport.x) / viewport.zoom), y: Math.round((box.height / 2 - viewport.y) / viewport.zoom) };
      client.presence.set({ viewport: { center, zoom: viewport.zoom } });
    },
    [client],
  );
  const onMoveEnd = useCallback((_: unknown, viewport: Viewport) => publishViewport(viewport), [publishViewport]);
  const onInit = useCallback((instance: { getViewport(): Viewport }) => publishViewport(instance.getViewport()), [publishViewport]);
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event) client.follow(null);
  }, [client]);

  useEffect(() => {
    const onFollow = (viewport: { center: { x: number; y: number }; zoom: number } | null) => {
      if (viewport) void flow.setCenter(viewport.center.x, viewport.center.y, { zoom: viewport.zoom, duration: 150 });
    };
    client.on("follow", onFollow);
    return () => client.off("follow", onFollow);
  }, [client, flow]);

  return (
    <div className="canvas" ref={wrapper} onPointerMove={onPointerMove} onPointerLeave={onPointerLeave}>
      <ReactFlow<TableNodeType, RelationshipEdgeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        onInit={onInit}
        connectionMode={ConnectionMode.Loose}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        onlyRenderVisibleElements
        minZoom={0.05}
        maxZoom={2.5}
        fitViewOptions={FIT_VIEW}
        proOptions={PRO_OPTIONS}
      >
        {/* Zoomed out, the grid is thousands of dots a pixel apart, repainted under every move: left out. */}
        {detailed && <Background gap={24} />}
        <Controls showInteractive={false} />
        {/* The overview redraws every table on each change: worth it for small diagrams only. */}
        {diagram.tables.length <= MINIMAP_MAX_TABLES && <MiniMap pannable zoomable ariaLabel="Overview of the diagram" />}
        <RemoteCursors client={client} />
      </ReactFlow>
    </div>
  );
});

/** A viewport that shows every table, from their positions and an estimate of their size. */
function viewportShowing(tables: readonly TableJson[], width: number, height: number): Viewport {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const t of tables) {
    minX = Math.min(minX, t.x);
    minY = Math.min(minY, t.y);
    maxX = Math.max(maxX, t.x + 220);
    maxY = Math.max(maxY, t.y + 36 + 23 * Math.max(1, t.columns.length));
  }
  const padding = 0.9;
  const zoom = Math.min(1, Math.max(0.05, Math.min((width * padding) / (maxX - minX), (height * padding) / (maxY - minY))));
  return { x: width / 2 - ((minX + maxX) / 2) * zoom, y: height / 2 - ((minY + maxY) / 2) * zoom, zoom };
}

const NO_KEYS: ReadonlySet<string> = new Set();
const NO_MARKS: readonly SelectionMark[] = [];

function foreignKeysByTable(relationships: readonly RelationshipJson[]): Map<string, ReadonlySet<string>> {
  const byTable = new Map<string, Set<string>>();
  for (const r of relationships) {
    let set = byTable.get(r.from_table);
    if (!set) byTable.set(r.from_table, (set = new Set()));
    for (const c of r.from_columns) set.add(c);
  }
  return byTable;
}

/** Tables selected by others, keyed by table id; the same map object while selections stay the same. */
function useSelectionMarks(peers: readonly Peer[]): Map<string, readonly SelectionMark[]> {
  const key = selectionKey(peers);
  return useMemo(() => {
    const marks = new Map<string, SelectionMark[]>();
    for (const p of peers) {
      for (const id of p.selection) {
        const list = marks.get(id) ?? [];
        list.push({ name: p.user.name, color: p.user.color });
        marks.set(id, list);
      }
    }
    return marks;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key says when the marks change
  }, [key]);
}

/**
 * Whether a table card shows the same: its position is the node's, not the card's, so the echo of one's
 * own drag (a MoveTable every 33 ms) leaves the node as it is instead of handing React Flow a new one.
 */
function sameTable(a: TableJson, b: TableJson): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.color !== b.color || a.comment !== b.comment || a.columns.length !== b.columns.length) return false;
  return a.columns.every((c, i) => {
    const d = b.columns[i]!;
    return c.id === d.id && c.name === d.name && c.type === d.type && c.nullable === d.nullable && c.primary_key === d.primary_key && c.unique === d.unique && c.default === d.default;
  });
}
