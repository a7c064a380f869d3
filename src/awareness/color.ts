/**
 * The colour the server assigns a user: a hue hashed from the user id (FNV-1a), at a saturation and
 * lightness that read well on a light canvas. Stable per user on every instance and every restart,
 * so a user keeps their colour across reconnects and rooms; clients cannot choose it.
 *
 * @example colorFor("0b6c…") // "#2f9e5a"
 */
export function colorFor(userId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hslToHex(hash % 360, 0.65, 0.45);
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
