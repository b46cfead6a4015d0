// Projection and camera (UI.md §2, §3). A system at (x, y) in the unit square has a "base"
// position pad + x × (width − 2·pad) (same for y); the camera maps base to screen as
// screen = base × zoom + offset. Zoom is clamped to 0.6×–3.5×; panning is unbounded.

export const MIN_ZOOM = 0.6;
export const MAX_ZOOM = 3.5;

export class Camera {
  constructor() {
    this.width = 1;
    this.height = 1;
    this.zoom = 1;
    this.ox = 0;
    this.oy = 0;
    this.version = 0;
  }

  get pad() {
    return Math.max(36, 0.06 * Math.min(this.width, this.height));
  }

  baseX(x) {
    const pad = this.pad;
    return pad + x * (this.width - 2 * pad);
  }

  baseY(y) {
    const pad = this.pad;
    return pad + y * (this.height - 2 * pad);
  }

  screenX(bx) {
    return bx * this.zoom + this.ox;
  }

  screenY(by) {
    return by * this.zoom + this.oy;
  }

  /** Zooms by `factor` keeping the base point under (sx, sy) fixed. */
  zoomAt(sx, sy, factor) {
    const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
    if (next === this.zoom) return false;
    const k = next / this.zoom;
    this.ox = sx - (sx - this.ox) * k;
    this.oy = sy - (sy - this.oy) * k;
    this.zoom = next;
    this.version++;
    return true;
  }

  panBy(dx, dy) {
    if (dx === 0 && dy === 0) return;
    this.ox += dx;
    this.oy += dy;
    this.version++;
  }

  /** Resizes the viewport keeping the camera centred on the same map point. */
  resize(width, height) {
    if (width === this.width && height === this.height) return;
    const oldPad = this.pad;
    const cx = (this.width / 2 - this.ox) / this.zoom;
    const cy = (this.height / 2 - this.oy) / this.zoom;
    const u = (cx - oldPad) / Math.max(1, this.width - 2 * oldPad);
    const v = (cy - oldPad) / Math.max(1, this.height - 2 * oldPad);
    const first = this.width === 1 && this.height === 1;
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    if (!first) {
      this.ox = this.width / 2 - this.baseX(u) * this.zoom;
      this.oy = this.height / 2 - this.baseY(v) * this.zoom;
    }
    this.version++;
  }
}
