/**
 * Milliseconds since the epoch (with microseconds as the fraction) from a BIRD timestamp in the
 * `iso long us` format the harness configures ("2026-11-21 23:44:20.371372"). BIRD prints local
 * time, as does Date's parser for an ISO string without a zone.
 */
export function parseBirdTime(text: string): number {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw new Error(`not a BIRD "iso long us" timestamp: ${JSON.stringify(text)}`);
  const seconds = new Date(`${match[1]}T${match[2]}`).getTime();
  const fraction = match[3] ? Number(`0.${match[3]}`) * 1000 : 0;
  return seconds + fraction;
}
