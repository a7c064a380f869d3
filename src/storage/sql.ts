/**
 * A timestamp column as an ISO 8601 UTC string (`2026-11-27T10:51:13.792Z`), the form the API
 * returns, whatever the session's time zone: `iso("created_at")` in a select list.
 */
export function iso(column: string, as = column): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;
}
