/** The named scenarios of issue 8 (users/rooms); the design's phase 12 and the peers' measurements use them. */
export const SCENARIOS: Record<string, { users: number; rooms: number }> = {
  "10/1": { users: 10, rooms: 1 },
  "50/5": { users: 50, rooms: 5 },
  "100/10": { users: 100, rooms: 10 },
  "100/1": { users: 100, rooms: 1 },
  "500/50": { users: 500, rooms: 50 },
  "1000/100": { users: 1000, rooms: 100 },
};
