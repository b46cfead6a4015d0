// Map rendering with Canvas 2D (UI.md §2). Layers, back to front:
//   stars      — its own <canvas> under the map, regenerated on resize;
//   territory  — offscreen: hull-clipped Voronoi fills and borders, hull outline;
//   lanes      — offscreen;
//   bodies     — offscreen: systems, glyphs, ids, fleet dots and strengths;
//   overlays   — drawn straight onto the map canvas every redraw: territory preview,
//                travelling fleets, siege pulses, highlight flashes, selection, route preview.
// Offscreen layers are rebuilt only when their inputs change (owners, positions, window size,
// camera). While the camera moves they are re-used with a compensating transform and rebuilt
// at most every 100 ms. Full redraws are throttled to one per 50 ms on animation frames.
import { on, state } from './state.js';
import { Camera } from './camera.js';
import { borderSegments, radialHull, voronoiCells } from './geometry.js';
import { NEUTRAL_SYSTEM, UNKNOWN_FLEET, UNKNOWN_TERRITORY, lighten, rgba } from './colors.js';
import { shortestPath } from './graph.js';

const REDRAW_INTERVAL_MS = 50;
const CAMERA_REBUILD_MS = 100;
const HIGHLIGHT_MS = 1500;
const ORDER_FLASH_MS = 1200;
const HEAT_COLOR = '#ff8a2a';
const GLYPHS = { relic: '★', forge: 'F', hive: 'H' };
const GLYPH_COLORS = { relic: '#ffe27a', forge: '#ffb86c', hive: '#9dffb0' };
const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';
const MONO = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace';

function makeLayer() {
  const canvas = document.createElement('canvas');
  return { canvas, ctx: canvas.getContext('2d'), zoom: 1, ox: 0, oy: 0, builtAt: -Infinity, dirty: true };
}

function systemRadius(value) {
  const v = Number(value);
  return 3 + 0.7 * (Number.isFinite(v) ? v : 1);
}

function dotRadius(strength) {
  return Math.min(4, Math.max(1.5, 1.5 + Math.log10(Math.max(0, Number(strength) || 0) + 1)));
}

export class MapView {
  constructor(canvas, starsCanvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.stars = starsCanvas;
    this.camera = new Camera();
    this.dpr = 1;
    this.layers = { territory: makeLayer(), lanes: makeLayer(), bodies: makeLayer() };
    this.geometry = null;
    this.territory = null;
    this.sprites = new Map();
    this.rafId = 0;
    this.wanted = false;
    this.lastDraw = -Infinity;
    this.drawTimes = [];
    this.systemsDrawn = 0;
    this.redraws = 0;
    this.lastDrawMs = 0;
    this.markers = [];
    this.routeCache = { key: '', path: null };
    this.onFrame = this.onFrame.bind(this);

    on('frame', (e) => {
      if (e.staticChanged) this.layers.territory.dirty = true;
      this.layers.bodies.dirty = true;
      if (e.full) this.layers.lanes.dirty = true;
      this.requestRedraw();
    });
    for (const name of ['hover', 'selection', 'preview', 'player']) on(name, () => this.requestRedraw());
  }

  get fps() {
    const now = performance.now();
    while (this.drawTimes.length > 0 && now - this.drawTimes[0] > 1000) this.drawTimes.shift();
    return this.drawTimes.length;
  }

  resize() {
    const w = Math.max(1, window.innerWidth);
    const h = Math.max(1, window.innerHeight);
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    const pw = Math.round(w * this.dpr);
    const ph = Math.round(h * this.dpr);
    for (const c of [this.canvas, this.stars, ...Object.values(this.layers).map((l) => l.canvas)]) {
      if (c.width !== pw) c.width = pw;
      if (c.height !== ph) c.height = ph;
    }
    this.camera.resize(w, h);
    for (const layer of Object.values(this.layers)) layer.dirty = true;
    this.geometry = null;
    this.drawStars();
    this.requestRedraw();
  }

  requestRedraw() {
    this.wanted = true;
    if (!this.rafId) this.rafId = requestAnimationFrame(this.onFrame);
  }

  onFrame(now) {
    this.rafId = 0;
    if (!this.wanted) return;
    if (now - this.lastDraw < REDRAW_INTERVAL_MS) {
      this.rafId = requestAnimationFrame(this.onFrame);
      return;
    }
    this.wanted = false;
    this.lastDraw = now;
    const t0 = performance.now();
    const animate = this.draw(now);
    this.lastDrawMs = performance.now() - t0;
    if (animate) this.requestRedraw();
  }

  // ---- hit testing -------------------------------------------------------------------

  /** The system nearest to a screen point (no distance limit), or null before any frame. */
  nearestSystem(sx, sy) {
    if (!state.frame) return null;
    const g = this.ensureGeometry();
    const cam = this.camera;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < g.xs.length; i++) {
      const dx = g.xs[i] * cam.zoom + cam.ox - sx;
      const dy = g.ys[i] * cam.zoom + cam.oy - sy;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best < 0) return null;
    return { system: state.frame.systems[best], distance: Math.sqrt(bestD), radius: g.radii[best] * Math.sqrt(cam.zoom) };
  }

  /** The travelling fleet whose marker is within 10 px of a screen point, if any. */
  fleetAt(sx, sy) {
    let best = null;
    let bestD = 100;
    for (const m of this.markers) {
      const d = (m.x - sx) ** 2 + (m.y - sy) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = m.fleet;
      }
    }
    return best;
  }

  /** Screen (CSS pixel) position of a system id. */
  screenOf(id) {
    if (!state.frame || !state.index) return null;
    const i = state.index.sysPos.get(id);
    if (i === undefined) return null;
    const g = this.ensureGeometry();
    return { x: g.xs[i] * this.camera.zoom + this.camera.ox, y: g.ys[i] * this.camera.zoom + this.camera.oy };
  }

  // ---- colours -----------------------------------------------------------------------

  systemColor(owner) {
    if (owner === null || owner === undefined) return NEUTRAL_SYSTEM;
    return state.palette.colors.get(owner) || NEUTRAL_SYSTEM;
  }

  territoryColor(owner) {
    return state.palette.colors.get(owner) || UNKNOWN_TERRITORY;
  }

  fleetColor(owner) {
    return state.palette.colors.get(owner) || UNKNOWN_FLEET;
  }

  /** A soft radial glow of `color`, pre-rendered at `size` device pixels (no scaling on use). */
  sprite(color, size) {
    const px = Math.max(4, Math.min(256, Math.round(size)));
    const key = `${color}|${px}`;
    let s = this.sprites.get(key);
    if (!s) {
      if (this.sprites.size > 400) this.sprites.clear();
      s = document.createElement('canvas');
      s.width = px;
      s.height = px;
      const c = s.getContext('2d');
      const h = px / 2;
      const g = c.createRadialGradient(h, h, 0, h, h, h);
      g.addColorStop(0, rgba(color, 1));
      g.addColorStop(0.25, rgba(color, 0.45));
      g.addColorStop(0.6, rgba(color, 0.12));
      g.addColorStop(1, rgba(color, 0));
      c.fillStyle = g;
      c.fillRect(0, 0, px, px);
      this.sprites.set(key, s);
    }
    return s;
  }

  /** Draws a glow centred on (x, y) in CSS pixels with radius r, pixel-aligned. */
  glow(ctx, color, x, y, r) {
    const dpr = this.dpr;
    const size = Math.round(r * 2 * dpr);
    const img = this.sprite(color, size);
    ctx.drawImage(img, Math.round((x - r) * dpr) / dpr, Math.round((y - r) * dpr) / dpr, img.width / dpr, img.height / dpr);
  }

  // ---- cached geometry -----------------------------------------------------------------

  ensureGeometry() {
    const cam = this.camera;
    const key = `${state.geometryKey}|${cam.width}x${cam.height}`;
    if (this.geometry && this.geometry.key === key && this.geometry.frame === state.frame) return this.geometry;
    const systems = state.frame.systems;
    const n = systems.length;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    const radii = new Float64Array(n);
    // Dense maps get smaller discs: full size down to ~70 px of space per system.
    const scale = Math.min(1, Math.max(0.4, Math.sqrt((cam.width * cam.height) / Math.max(1, n)) / 70));
    const spacing = Math.sqrt((cam.width * cam.height) / Math.max(1, n));
    for (let i = 0; i < n; i++) {
      xs[i] = cam.baseX(Number(systems[i].x) || 0);
      ys[i] = cam.baseY(Number(systems[i].y) || 0);
      radii[i] = systemRadius(systems[i].value) * scale;
    }
    let cells = this.geometry && this.geometry.key === key ? this.geometry.cells : null;
    let hull = this.geometry && this.geometry.key === key ? this.geometry.hull : undefined;
    if (!cells) {
      const margin = cam.pad + 80;
      cells = voronoiCells(xs, ys, { x0: -margin, y0: -margin, x1: cam.width + margin, y1: cam.height + margin });
      hull = radialHull(xs, ys, radii, cam.pad);
    }
    let hullPath = null;
    if (hull && hull.length >= 3) {
      hullPath = new Path2D();
      const m = hull.length;
      const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      const start = mid(hull[m - 1], hull[0]);
      hullPath.moveTo(start[0], start[1]);
      for (let k = 0; k < m; k++) {
        const p = hull[k];
        const q = mid(p, hull[(k + 1) % m]);
        hullPath.quadraticCurveTo(p[0], p[1], q[0], q[1]);
      }
      hullPath.closePath();
    }
    const lanePath = new Path2D();
    const pos = state.index.sysPos;
    for (const [a, b] of state.frame.lanes) {
      const i = pos.get(a);
      const j = pos.get(b);
      if (i === undefined || j === undefined) continue;
      lanePath.moveTo(xs[i], ys[i]);
      lanePath.lineTo(xs[j], ys[j]);
    }
    this.geometry = { key, frame: state.frame, xs, ys, radii, scale, spacing, cells, hull, hullPath, lanePath };
    this.territory = null;
    return this.geometry;
  }

  /** Owner → Path2D of its cells, and owner → Path2D of its border lines (zoom-dependent). */
  ensureTerritory() {
    const g = this.geometry;
    const owners = state.frame.systems.map((s) => (s.owner === undefined ? null : s.owner));
    const ownerKey = owners.join('\u0001');
    const zoom = this.camera.zoom;
    const t = this.territory;
    if (t && t.geometry === g && t.ownerKey === ownerKey && t.zoom === zoom) return t;
    let paths = t && t.geometry === g && t.ownerKey === ownerKey ? t.paths : null;
    if (!paths) {
      paths = new Map();
      for (let i = 0; i < owners.length; i++) {
        const owner = owners[i];
        const cell = g.cells[i];
        if (owner === null || !cell || cell.length < 3) continue;
        let p = paths.get(owner);
        if (!p) paths.set(owner, (p = new Path2D()));
        p.moveTo(cell[0].x, cell[0].y);
        for (let k = 1; k < cell.length; k++) p.lineTo(cell[k].x, cell[k].y);
        p.closePath();
      }
    }
    const borders = new Map();
    for (const [owner, segs] of borderSegments(g.cells, owners, g.xs, g.ys, 1.8 / zoom)) {
      const p = new Path2D();
      for (let k = 0; k < segs.length; k += 4) {
        p.moveTo(segs[k], segs[k + 1]);
        p.lineTo(segs[k + 2], segs[k + 3]);
      }
      borders.set(owner, p);
    }
    this.territory = { geometry: g, ownerKey, zoom, paths, borders };
    return this.territory;
  }

  // ---- layers --------------------------------------------------------------------------

  cameraTransform(ctx) {
    const { dpr, camera: c } = this;
    ctx.setTransform(dpr * c.zoom, 0, 0, dpr * c.zoom, dpr * c.ox, dpr * c.oy);
  }

  beginLayer(layer, now) {
    const ctx = layer.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
    ctx.clearRect(0, 0, layer.canvas.width, layer.canvas.height);
    layer.zoom = this.camera.zoom;
    layer.ox = this.camera.ox;
    layer.oy = this.camera.oy;
    layer.builtAt = now;
    layer.dirty = false;
    return ctx;
  }

  needsBuild(layer, now) {
    if (layer.dirty) return true;
    const c = this.camera;
    const moved = layer.zoom !== c.zoom || layer.ox !== c.ox || layer.oy !== c.oy;
    return moved && now - layer.builtAt >= CAMERA_REBUILD_MS;
  }

  isStale(layer) {
    const c = this.camera;
    return layer.dirty || layer.zoom !== c.zoom || layer.ox !== c.ox || layer.oy !== c.oy;
  }

  buildTerritory(now) {
    const g = this.geometry;
    const t = this.ensureTerritory();
    const ctx = this.beginLayer(this.layers.territory, now);
    const z = this.camera.zoom;
    this.cameraTransform(ctx);
    if (g.hullPath) {
      ctx.save();
      ctx.clip(g.hullPath);
    }
    for (const [owner, path] of t.paths) {
      ctx.fillStyle = rgba(this.territoryColor(owner), 0.16);
      ctx.fill(path);
    }
    ctx.lineWidth = 2.2 / z;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const [owner, path] of t.borders) {
      ctx.strokeStyle = rgba(this.territoryColor(owner), 0.9);
      ctx.stroke(path);
    }
    if (g.hullPath) {
      ctx.restore();
      ctx.strokeStyle = 'rgba(150,180,255,0.05)';
      ctx.lineWidth = 7 / z;
      ctx.stroke(g.hullPath);
      ctx.strokeStyle = 'rgba(200,215,255,0.26)';
      ctx.lineWidth = 1.3 / z;
      ctx.stroke(g.hullPath);
    }
  }

  buildLanes(now) {
    const ctx = this.beginLayer(this.layers.lanes, now);
    const z = this.camera.zoom;
    this.cameraTransform(ctx);
    ctx.lineCap = 'round';
    ctx.strokeStyle = 'rgba(80,130,255,0.09)';
    ctx.lineWidth = 7 / z;
    ctx.stroke(this.geometry.lanePath);
    ctx.strokeStyle = 'rgba(180,205,255,0.34)';
    ctx.lineWidth = 1.1 / z;
    ctx.stroke(this.geometry.lanePath);
  }

  buildBodies(now) {
    const ctx = this.beginLayer(this.layers.bodies, now);
    const { dpr, camera: cam, geometry: g } = this;
    const frame = state.frame;
    const index = state.index;
    const z = cam.zoom;
    const sz = Math.sqrt(z); // discs grow slower than distances when zooming in
    const showIds = g.spacing * z >= 42; // ids only where they do not pile up
    const tick = Number(frame.tick) || 0;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const visible = [];
    for (let i = 0; i < frame.systems.length; i++) {
      const sx = g.xs[i] * z + cam.ox;
      const sy = g.ys[i] * z + cam.oy;
      if (sx < -80 || sy < -80 || sx > cam.width + 80 || sy > cam.height + 80) continue;
      visible.push(i);
    }
    // Halos (additive) first, then discs, then text, to keep state changes few.
    const crowded = visible.length > 250;
    ctx.globalCompositeOperation = 'lighter';
    for (const i of visible) {
      const s = frame.systems[i];
      const sx = g.xs[i] * z + cam.ox;
      const sy = g.ys[i] * z + cam.oy;
      const r = g.radii[i] * sz;
      const owned = s.owner !== null && s.owner !== undefined;
      const twinkle = 0.7 + 0.3 * Math.sin(tick * 0.9 + Number(s.id) * 2.399);
      ctx.globalAlpha = (owned ? 0.6 : 0.3) * twinkle;
      // Crowded maps get smaller halos on neutral systems (software rasterizers stay fast).
      this.glow(ctx, this.systemColor(s.owner), sx, sy, r * (owned || !crowded ? 3.4 : 2.2));
      const heat = Number(s.heat) || 0;
      if (heat > 0.6) {
        ctx.globalAlpha = Math.min(0.95, 0.35 + (heat - 0.6) * 0.3);
        this.glow(ctx, HEAT_COLOR, sx, sy, r * (2.4 + (heat - 0.6) * 1.8));
      }
    }
    ctx.globalCompositeOperation = 'source-over';
    ctx.globalAlpha = 1;
    for (const i of visible) {
      const s = frame.systems[i];
      const sx = g.xs[i] * z + cam.ox;
      const sy = g.ys[i] * z + cam.oy;
      const r = g.radii[i] * sz;
      const color = this.systemColor(s.owner);
      ctx.beginPath();
      ctx.arc(sx, sy, r, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = 1.1;
      ctx.strokeStyle = lighten(color, 0.55);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(sx, sy, Math.max(0.8, r * 0.36), 0, Math.PI * 2);
      ctx.fillStyle = 'rgba(255,255,255,0.85)';
      ctx.fill();
      // Fleets at the system: dots on a ring.
      const fleets = index.fleetsAt.get(s.id);
      if (fleets && fleets.length > 0) {
        const ring = r + 6 * g.scale * sz;
        const step = (Math.PI * 2) / fleets.length;
        for (let k = 0; k < fleets.length; k++) {
          const f = fleets[k];
          const a = -Math.PI / 2 + k * step;
          ctx.beginPath();
          ctx.arc(sx + Math.cos(a) * ring, sy + Math.sin(a) * ring, dotRadius(f.strength) * Math.max(0.6, g.scale * sz), 0, Math.PI * 2);
          ctx.fillStyle = this.fleetColor(f.owner);
          ctx.fill();
          ctx.lineWidth = 0.8;
          ctx.strokeStyle = 'rgba(10,14,30,0.8)';
          ctx.stroke();
        }
      }
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    for (const i of visible) {
      const s = frame.systems[i];
      const sx = g.xs[i] * z + cam.ox;
      const sy = g.ys[i] * z + cam.oy;
      const r = g.radii[i] * sz;
      const fleets = index.fleetsAt.get(s.id);
      const hasFleets = Boolean(fleets && fleets.length > 0);
      // Stack above the disc: fleet ring, glyph, then the fleets' total strength.
      let top = hasFleets ? sy - r - 6 * g.scale * sz - 4 * Math.max(0.6, g.scale * sz) - 6 : sy - r - 7;
      const glyph = GLYPHS[s.kind];
      if (glyph) {
        ctx.font = `bold 11px ${FONT}`;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(5,8,20,0.85)';
        ctx.strokeText(glyph, sx, top);
        ctx.fillStyle = GLYPH_COLORS[s.kind];
        ctx.fillText(glyph, sx, top);
        top -= 12;
      }
      if (hasFleets) {
        let total = 0;
        let owner = fleets[0].owner;
        for (const f of fleets) {
          total += Number(f.strength) || 0;
          if (f.owner !== owner) owner = undefined;
        }
        ctx.font = `600 10px ${MONO}`;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(5,8,20,0.85)';
        const text = total.toFixed(1);
        ctx.strokeText(text, sx, top);
        ctx.fillStyle = owner === undefined ? '#ffffff' : lighten(this.fleetColor(owner), 0.35);
        ctx.fillText(text, sx, top);
      }
      if (showIds && i % 2 === 0) {
        ctx.font = `10px ${MONO}`;
        ctx.fillStyle = 'rgba(190,205,255,0.6)';
        ctx.fillText(String(s.id), sx, sy + r + 9);
      }
    }
    this.systemsDrawn = visible.length;
  }

  blit(layer, alpha = 1) {
    const { ctx, dpr, camera: c } = this;
    const k = c.zoom / layer.zoom;
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * (c.ox - layer.ox * k), dpr * (c.oy - layer.oy * k));
    ctx.globalAlpha = alpha;
    ctx.drawImage(layer.canvas, 0, 0, c.width, c.height);
    ctx.globalAlpha = 1;
  }

  // ---- the full redraw -----------------------------------------------------------------

  /** Draws everything; returns true while something animates. */
  draw(now) {
    const { ctx, dpr, camera: cam } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
    ctx.shadowBlur = 0;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.redraws++;
    this.drawTimes.push(now);
    this.markers = [];
    if (!state.frame) {
      this.systemsDrawn = 0;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.font = `14px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.fillStyle = 'rgba(190,205,255,0.55)';
      ctx.fillText('Waiting for the sector…', cam.width / 2, cam.height / 2);
      return false;
    }
    this.ensureGeometry();
    const { territory, lanes, bodies } = this.layers;
    if (this.needsBuild(territory, now)) this.buildTerritory(now);
    if (this.needsBuild(lanes, now)) this.buildLanes(now);
    if (this.needsBuild(bodies, now)) this.buildBodies(now);

    const preview = this.previewFaction();
    this.blit(territory, preview ? 0.35 : 1);
    if (preview) this.drawPreview(preview, now);
    this.blit(lanes);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const travelAnimating = this.drawTravelLines(now);
    this.blit(bodies);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    let animate = travelAnimating;
    animate = this.drawSieges(now) || animate;
    animate = this.drawHighlights(now) || animate;
    this.drawRoutePreview();
    animate = this.drawSelection(now) || animate;
    this.drawFleetMarkers();
    const stale = this.isStale(territory) || this.isStale(lanes) || this.isStale(bodies);
    return animate || Boolean(preview) || stale;
  }

  previewFaction() {
    if (state.rowPreviewFaction) return state.rowPreviewFaction;
    if (!state.faction && !state.botsOnly && state.previewFaction) return state.previewFaction;
    return null;
  }

  drawPreview(owner, now) {
    const { ctx, dpr, camera: cam } = this;
    const g = this.geometry;
    const t = this.ensureTerritory();
    const path = t.paths.get(owner);
    if (!path) return;
    const color = this.territoryColor(owner);
    const pulse = 0.5 + 0.5 * Math.sin(now / 260);
    ctx.save();
    this.cameraTransform(ctx);
    if (g.hullPath) ctx.clip(g.hullPath);
    ctx.fillStyle = rgba(color, 0.2 + 0.16 * pulse);
    ctx.fill(path);
    ctx.clip(path);
    // A diagonal shimmer band sweeping across the faction's cells.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const span = cam.width + cam.height;
    const c = -240 + ((now / 2200) % 1) * (span + 480);
    const grad = ctx.createLinearGradient(c / 2 - 70, c / 2 - 70, c / 2 + 70, c / 2 + 70);
    grad.addColorStop(0, 'rgba(255,255,255,0)');
    grad.addColorStop(0.5, 'rgba(255,255,255,0.2)');
    grad.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.globalCompositeOperation = 'lighter';
    ctx.fillStyle = grad;
    ctx.fillRect(0, 0, cam.width, cam.height);
    ctx.restore();
    const border = t.borders.get(owner);
    if (border) {
      ctx.save();
      this.cameraTransform(ctx);
      if (g.hullPath) ctx.clip(g.hullPath);
      ctx.shadowColor = color;
      ctx.shadowBlur = 14;
      ctx.strokeStyle = rgba(color, 0.95);
      ctx.lineWidth = 2.6 / cam.zoom;
      ctx.lineJoin = 'round';
      ctx.stroke(border);
      ctx.restore();
    }
  }

  travelPosition(f, now) {
    const pos = state.index.sysPos;
    const a = pos.get(f.enroute_from);
    const b = pos.get(f.enroute_to);
    if (b === undefined) return null;
    const g = this.geometry;
    const cam = this.camera;
    const bx = g.xs[b] * cam.zoom + cam.ox;
    const by = g.ys[b] * cam.zoom + cam.oy;
    if (a === undefined) return { ax: bx, ay: by, bx, by, x: bx, y: by, p: 1, moving: false };
    const ax = g.xs[a] * cam.zoom + cam.ox;
    const ay = g.ys[a] * cam.zoom + cam.oy;
    const tickMs = Math.max(50, Number(state.frame.tick_delay_ms) || 300);
    const elapsed = Math.min(0.92, Math.max(0, (now - state.frameAt) / tickMs));
    const total = state.travelTicks.get(f.id) || Math.max(2, f.eta);
    const p = Math.min(1, Math.max(0, (total - f.eta + elapsed) / total));
    return { ax, ay, bx, by, x: ax + (bx - ax) * p, y: ay + (by - ay) * p, p, moving: elapsed < 0.92 && !state.paused };
  }

  drawTravelLines(now) {
    const ctx = this.ctx;
    let animate = false;
    ctx.lineCap = 'round';
    for (const f of state.index.travelling) {
      const t = this.travelPosition(f, now);
      if (!t) continue;
      const color = this.fleetColor(f.owner);
      ctx.strokeStyle = rgba(color, 0.14);
      ctx.lineWidth = 5;
      ctx.beginPath();
      ctx.moveTo(t.ax, t.ay);
      ctx.lineTo(t.bx, t.by);
      ctx.stroke();
      ctx.setLineDash([4, 5]);
      ctx.strokeStyle = rgba(color, 0.45);
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.moveTo(t.x, t.y);
      ctx.lineTo(t.bx, t.by);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.strokeStyle = rgba(color, 0.85);
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      ctx.moveTo(t.ax, t.ay);
      ctx.lineTo(t.x, t.y);
      ctx.stroke();
      this.markers.push({ x: t.x, y: t.y, fleet: f, dx: t.bx - t.ax, dy: t.by - t.ay });
      if (t.moving) animate = true;
    }
    return animate;
  }

  drawFleetMarkers() {
    const ctx = this.ctx;
    const z = Math.min(1.6, Math.max(0.8, this.camera.zoom));
    const hovered = state.hover.fleet ? state.hover.fleet.id : null;
    for (const m of this.markers) {
      const f = m.fleet;
      const color = this.fleetColor(f.owner);
      const size = (4 + Math.min(4, Math.log10((Number(f.strength) || 0) + 1) * 2.2)) * z;
      const len = Math.hypot(m.dx, m.dy) || 1;
      const ux = m.dx / len;
      const uy = m.dy / len;
      ctx.save();
      ctx.translate(m.x, m.y);
      ctx.transform(ux, uy, -uy, ux, 0, 0);
      ctx.beginPath();
      ctx.moveTo(size * 1.25, 0);
      ctx.lineTo(-size * 0.8, size * 0.75);
      ctx.lineTo(-size * 0.4, 0);
      ctx.lineTo(-size * 0.8, -size * 0.75);
      ctx.closePath();
      ctx.shadowColor = color;
      ctx.shadowBlur = 10;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.shadowBlur = 0;
      ctx.lineWidth = hovered === f.id ? 2 : 1;
      ctx.strokeStyle = hovered === f.id ? '#ffffff' : 'rgba(255,255,255,0.8)';
      ctx.stroke();
      ctx.restore();
    }
  }

  systemScreen(i) {
    const g = this.geometry;
    const c = this.camera;
    return [g.xs[i] * c.zoom + c.ox, g.ys[i] * c.zoom + c.oy, g.radii[i] * Math.sqrt(c.zoom)];
  }

  ring(x, y, r, color, width, blur = 0) {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.arc(x, y, Math.max(1, r), 0, Math.PI * 2);
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    if (blur > 0) {
      ctx.shadowColor = color;
      ctx.shadowBlur = blur;
    }
    ctx.stroke();
    ctx.shadowBlur = 0;
  }

  drawSieges(now) {
    let any = false;
    const pulse = 0.5 + 0.5 * Math.sin(now / 170);
    state.frame.systems.forEach((s, i) => {
      if (!s.is_besieged) return;
      any = true;
      const [x, y, r] = this.systemScreen(i);
      this.ring(x, y, r + 8 + pulse * 4, `rgba(255,70,70,${(0.45 + 0.45 * pulse).toFixed(3)})`, 2, 8);
    });
    return any;
  }

  drawHighlights(now) {
    const age = now - state.highlightAt;
    if (age < 0 || age > HIGHLIGHT_MS) return false;
    const k = age / HIGHLIGHT_MS;
    const pos = state.index.sysPos;
    for (const id of state.frame.highlight_ids) {
      const i = pos.get(id);
      if (i === undefined) continue;
      const [x, y, r] = this.systemScreen(i);
      this.ring(x, y, r + 4 + k * 22, `rgba(255,236,150,${(0.9 * (1 - k)).toFixed(3)})`, 2.2, 6);
    }
    return true;
  }

  drawRoutePreview() {
    const origin = state.selection.origin;
    const target = state.hover.systemId;
    if (origin === null || target === null || target === origin || !state.hover.inside) return;
    const key = `${origin}|${target}|${state.frameVersion}`;
    if (this.routeCache.key !== key) this.routeCache = { key, path: shortestPath(state.adjacency, origin, target) };
    const path = this.routeCache.path;
    if (!path || path.length < 2) return;
    const ctx = this.ctx;
    const pos = state.index.sysPos;
    const pts = path.map((id) => pos.get(id)).filter((i) => i !== undefined).map((i) => this.systemScreen(i));
    ctx.beginPath();
    pts.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.setLineDash([6, 5]);
    ctx.strokeStyle = 'rgba(80,235,255,0.55)';
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [x, y] of pts.slice(1)) {
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, Math.PI * 2);
      ctx.fillStyle = 'rgba(80,235,255,0.35)';
      ctx.fill();
      ctx.strokeStyle = 'rgba(80,235,255,0.8)';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }

  drawSelection(now) {
    const pos = state.index.sysPos;
    let animate = false;
    const hover = state.hover.inside ? pos.get(state.hover.systemId) : undefined;
    if (hover !== undefined) {
      const [x, y, r] = this.systemScreen(hover);
      this.ring(x, y, r + 5, 'rgba(255,255,255,0.35)', 1);
    }
    const origin = pos.get(state.selection.origin);
    if (origin !== undefined) {
      const [x, y, r] = this.systemScreen(origin);
      this.ring(x, y, r + 10, '#38e8ff', 2.2, 10);
    }
    const flash = state.orderFlash;
    if (flash && now - flash.at < ORDER_FLASH_MS) {
      const i = pos.get(flash.target);
      if (i !== undefined) {
        const [x, y, r] = this.systemScreen(i);
        const k = (now - flash.at) / ORDER_FLASH_MS;
        this.ring(x, y, r + 10, `rgba(255,169,77,${(1 - k * 0.8).toFixed(3)})`, 2.2, 10);
      }
      animate = true;
    }
    if (state.candidate && !state.faction) {
      // Mark the candidate faction's systems faintly so the choice stays visible.
      state.frame.systems.forEach((s, i) => {
        if (s.owner !== state.candidate) return;
        const [x, y, r] = this.systemScreen(i);
        this.ring(x, y, r + 7, 'rgba(255,255,255,0.55)', 1.2);
      });
    }
    return animate;
  }

  // ---- background --------------------------------------------------------------------

  drawStars() {
    const c = this.stars.getContext('2d');
    const { width: w, height: h } = this.camera;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.stars.width, this.stars.height);
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const count = Math.max(120, Math.min(450, Math.round((w * h) / 9000)));
    for (let k = 0; k < count; k++) {
      const x = Math.random() * w;
      const y = Math.random() * h;
      const bluish = Math.random() < 0.3;
      const color = bluish ? '#a9c2ff' : '#f2f4ff';
      const alpha = 0.2 + Math.random() * 0.55;
      if (Math.random() < 0.08) {
        const gr = 3 + Math.random() * 5;
        const g = c.createRadialGradient(x, y, 0, x, y, gr);
        g.addColorStop(0, rgba(color, alpha * 0.7));
        g.addColorStop(1, rgba(color, 0));
        c.fillStyle = g;
        c.fillRect(x - gr, y - gr, gr * 2, gr * 2);
      }
      c.beginPath();
      c.arc(x, y, 0.35 + Math.random() * 0.9, 0, Math.PI * 2);
      c.fillStyle = rgba(color, alpha);
      c.fill();
    }
  }
}
