// Plane geometry for the map, without DOM access: Voronoi cells by half-plane clipping (with
// a uniform grid so 1,000 sites stay cheap), the radial sector hull, and territory borders.

/**
 * Voronoi cells of `xs`/`ys` clipped to the rectangle [x0, x1] × [y0, y1].
 * Each cell is an array of vertices {x, y, n}: `n` labels the edge from this vertex to the
 * next one with the index of the site across it (-1 for the rectangle's border).
 */
export function voronoiCells(xs, ys, rect) {
  const n = xs.length;
  const cells = new Array(n);
  if (n === 0) return cells;
  const { x0, y0, x1, y1 } = rect;
  const w = Math.max(1e-6, x1 - x0);
  const h = Math.max(1e-6, y1 - y0);
  const size = Math.max(1e-6, Math.sqrt((w * h) / n));
  const gw = Math.max(1, Math.ceil(w / size));
  const gh = Math.max(1, Math.ceil(h / size));
  const buckets = Array.from({ length: gw * gh }, () => []);
  const gx = new Int32Array(n);
  const gy = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    gx[i] = clampInt(Math.floor((xs[i] - x0) / size), 0, gw - 1);
    gy[i] = clampInt(Math.floor((ys[i] - y0) / size), 0, gh - 1);
    buckets[gy[i] * gw + gx[i]].push(i);
  }
  const maxRing = Math.max(gw, gh);
  for (let i = 0; i < n; i++) {
    let poly = [
      { x: x0, y: y0, n: -1 },
      { x: x1, y: y0, n: -1 },
      { x: x1, y: y1, n: -1 },
      { x: x0, y: y1, n: -1 },
    ];
    const px = xs[i];
    const py = ys[i];
    for (let ring = 0; ring <= maxRing && poly.length > 0; ring++) {
      forEachRingBucket(gx[i], gy[i], ring, gw, gh, (b) => {
        for (const j of buckets[b]) {
          if (j === i) continue;
          const dx = xs[j] - px;
          const dy = ys[j] - py;
          if (dx === 0 && dy === 0) continue; // coincident sites: keep both cells whole
          poly = clipHalfPlane(poly, px, py, dx, dy, j);
          if (poly.length === 0) return;
        }
      });
      // Sites in further rings are at least ring × size away; they can only cut the cell
      // if that is less than twice the farthest vertex distance.
      let maxR2 = 0;
      for (const v of poly) maxR2 = Math.max(maxR2, (v.x - px) ** 2 + (v.y - py) ** 2);
      const reach = ring * size;
      if (reach * reach >= 4 * maxR2) break;
    }
    cells[i] = poly;
  }
  return cells;
}

function clampInt(v, lo, hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

function forEachRingBucket(cx, cy, ring, gw, gh, fn) {
  if (ring === 0) {
    fn(cy * gw + cx);
    return;
  }
  for (let x = cx - ring; x <= cx + ring; x++) {
    if (x < 0 || x >= gw) continue;
    if (cy - ring >= 0) fn((cy - ring) * gw + x);
    if (cy + ring < gh) fn((cy + ring) * gw + x);
  }
  for (let y = cy - ring + 1; y <= cy + ring - 1; y++) {
    if (y < 0 || y >= gh) continue;
    if (cx - ring >= 0) fn(y * gw + (cx - ring));
    if (cx + ring < gw) fn(y * gw + (cx + ring));
  }
}

/**
 * Keeps the part of convex `poly` closer to site p than to site p + d (the half-plane
 * (v − m)·d ≤ 0 with m the midpoint). The new edge along the bisector is labelled `label`.
 */
function clipHalfPlane(poly, px, py, dx, dy, label) {
  const mx = px + dx / 2;
  const my = py + dy / 2;
  const out = [];
  const len = poly.length;
  for (let k = 0; k < len; k++) {
    const a = poly[k];
    const b = poly[(k + 1) % len];
    const da = (a.x - mx) * dx + (a.y - my) * dy;
    const db = (b.x - mx) * dx + (b.y - my) * dy;
    const aIn = da <= 0;
    const bIn = db <= 0;
    if (aIn) {
      if (bIn) {
        out.push(a);
      } else {
        out.push(a);
        const t = da / (da - db);
        out.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, n: label });
      }
    } else if (bIn) {
      const t = da / (da - db);
      out.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, n: a.n });
    }
  }
  return out;
}

/**
 * Border segments of territories (UI.md §2): for each owned cell, every edge that faces the
 * rectangle, an unowned cell or another owner's cell, shifted `offset` toward its own site.
 * Returns owner → flat array [ax, ay, bx, by, …].
 */
export function borderSegments(cells, owners, xs, ys, offset) {
  const byOwner = new Map();
  for (let i = 0; i < cells.length; i++) {
    const owner = owners[i];
    const poly = cells[i];
    if (owner === null || owner === undefined || !poly || poly.length < 3) continue;
    let segs = byOwner.get(owner);
    if (!segs) byOwner.set(owner, (segs = []));
    for (let k = 0; k < poly.length; k++) {
      const a = poly[k];
      const nb = a.n;
      if (nb >= 0 && owners[nb] === owner) continue;
      const b = poly[(k + 1) % poly.length];
      const ex = b.x - a.x;
      const ey = b.y - a.y;
      const len = Math.hypot(ex, ey);
      if (len < 1e-9) continue;
      // Unit normal pointing toward the site.
      let nx = -ey / len;
      let ny = ex / len;
      if ((xs[i] - a.x) * nx + (ys[i] - a.y) * ny < 0) {
        nx = -nx;
        ny = -ny;
      }
      segs.push(a.x + nx * offset, a.y + ny * offset, b.x + nx * offset, b.y + ny * offset);
    }
  }
  return byOwner;
}

/**
 * The sector hull (UI.md §2): a radial envelope around the centroid enclosing a disc of
 * radius `pad + radii[i]` around every site, sampled on `samples` rays, with its slope
 * limited so it reads as a smooth outline. Returns a closed list of points [x, y].
 */
export function radialHull(xs, ys, radii, pad, samples = 144) {
  const n = xs.length;
  if (n < 3) return null;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += xs[i];
    cy += ys[i];
  }
  cx /= n;
  cy /= n;
  const r = new Float64Array(samples);
  const step = (Math.PI * 2) / samples;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - cx;
    const dy = ys[i] - cy;
    const d = Math.hypot(dx, dy);
    const phi = Math.atan2(dy, dx);
    const R = pad + radii[i];
    for (let k = 0; k < samples; k++) {
      const delta = k * step - phi;
      const perp = d * Math.sin(delta);
      if (Math.abs(perp) > R) continue;
      const far = d * Math.cos(delta) + Math.sqrt(R * R - perp * perp);
      if (far > r[k]) r[k] = far;
    }
  }
  // Limit the slope between neighbouring rays (an upper envelope keeps every site inside),
  // then soften with a light circular average that never dips below 97 % of the envelope.
  const maxDrop = Math.max(2, pad * 0.35);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < samples * 2; k++) {
      const a = k % samples;
      const b = (k + 1) % samples;
      r[b] = Math.max(r[b], r[a] - maxDrop);
    }
    for (let k = samples * 2; k > 0; k--) {
      const a = k % samples;
      const b = (k - 1) % samples;
      r[b] = Math.max(r[b], r[a] - maxDrop);
    }
  }
  const smooth = new Float64Array(samples);
  for (let k = 0; k < samples; k++) {
    let sum = 0;
    for (let j = -3; j <= 3; j++) sum += r[(k + j + samples) % samples];
    smooth[k] = Math.max(r[k] * 0.97, sum / 7, r[k] - pad * 0.25);
  }
  const pts = [];
  for (let k = 0; k < samples; k++) {
    const a = k * step;
    pts.push([cx + Math.cos(a) * smooth[k], cy + Math.sin(a) * smooth[k]]);
  }
  return pts;
}

/** Area of a polygon of {x, y} vertices (for tests). */
export function polygonArea(poly) {
  let s = 0;
  for (let k = 0; k < poly.length; k++) {
    const a = poly[k];
    const b = poly[(k + 1) % poly.length];
    s += a.x * b.y - b.x * a.y;
  }
  return Math.abs(s) / 2;
}
