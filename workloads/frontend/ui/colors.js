// Faction colours (UI.md §2): from the frame's faction list, a fallback palette when the list
// is empty, grey-blue for neutral systems and grey for territories of unknown owners.

export const NEUTRAL_SYSTEM = '#6b7aa6';
export const UNKNOWN_TERRITORY = '#888888';
export const UNKNOWN_FLEET = '#ffffff';

const FALLBACK_PALETTE = [
  '#ff5555', '#f1fa8c', '#8be9fd', '#a6e22e', '#ff79c6',
  '#bd93f9', '#ffb86c', '#50fa7b', '#7fffd4', '#ff6e9c',
];

const HEX = /^#([0-9a-f]{6})$/i;

/** Only `#rrggbb` strings from the server are used as colours. */
export function safeColor(value, fallback) {
  return typeof value === 'string' && HEX.test(value) ? value.toLowerCase() : fallback;
}

/**
 * Owner id → colour. With an empty faction list, owners seen on systems and fleets get
 * colours from the fallback palette in the order they appear.
 */
export function buildPalette(frame) {
  const colors = new Map();
  const names = new Map();
  if (frame.factions.length > 0) {
    for (const f of frame.factions) {
      colors.set(f.id, safeColor(f.color, UNKNOWN_TERRITORY));
      names.set(f.id, typeof f.name === 'string' && f.name !== '' ? f.name : String(f.id));
    }
    return { colors, names, fallback: false };
  }
  let next = 0;
  const see = (owner) => {
    if (owner === null || owner === undefined || colors.has(owner)) return;
    colors.set(owner, FALLBACK_PALETTE[next++ % FALLBACK_PALETTE.length]);
    names.set(owner, String(owner));
  };
  frame.systems.forEach((s) => see(s.owner));
  frame.fleets.forEach((f) => see(f.owner));
  return { colors, names, fallback: true };
}

const rgbCache = new Map();

export function hexToRgb(hex) {
  let rgb = rgbCache.get(hex);
  if (!rgb) {
    const m = HEX.exec(hex);
    const v = m ? parseInt(m[1], 16) : 0x888888;
    rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
    rgbCache.set(hex, rgb);
  }
  return rgb;
}

export function rgba(hex, alpha) {
  const [r, g, b] = hexToRgb(hex);
  return `rgba(${r},${g},${b},${Math.max(0, Math.min(1, alpha)).toFixed(3)})`;
}

/** Mixes a colour toward white by `amount` (0–1). */
export function lighten(hex, amount) {
  const [r, g, b] = hexToRgb(hex);
  const mix = (c) => Math.round(c + (255 - c) * amount);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}
