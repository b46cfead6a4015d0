// Pointer input on the map (UI.md §3, §6, §7): pan by dragging (after 6 px, any button but
// the right one, only once a frame exists), wheel zoom around the cursor, clicks (press and
// release within 400 ms without panning), hover, the context menu and a hover tooltip.
import { $ } from './dom.js';
import { emit, factionName, state } from './state.js';
import { isIdle } from './frame.js';

const PAN_THRESHOLD_PX = 6;
const CLICK_MS = 400;

/** "#id empty" or "#id N fleets S [owner:count/strength …]" (fleets with eta 0 there). */
export function hoverSummary(systemId) {
  if (!state.frame || systemId === null) return '—';
  const here = state.frame.fleets.filter((f) => f.system_id === systemId && (f.eta || 0) === 0);
  if (here.length === 0) return `#${systemId} empty`;
  const byOwner = new Map();
  let total = 0;
  for (const f of here) {
    const s = Number(f.strength) || 0;
    total += s;
    const entry = byOwner.get(f.owner) || { count: 0, strength: 0 };
    entry.count += 1;
    entry.strength += s;
    byOwner.set(f.owner, entry);
  }
  const parts = [...byOwner].map(([owner, e]) => `${owner}:${e.count}/${e.strength.toFixed(1)}`);
  return `#${systemId} ${here.length} fleets ${total.toFixed(1)} [${parts.join(' ')}]`;
}

function tooltipLines(hover) {
  if (hover.fleet) {
    const f = hover.fleet;
    return [
      `Fleet #${f.id} · ${factionName(f.owner)}`,
      `Strength ${(Number(f.strength) || 0).toFixed(1)}`,
      `#${f.enroute_from ?? '?'} → #${f.enroute_to} · eta ${f.eta}`,
    ];
  }
  const s = state.index && state.index.sysById.get(hover.systemId);
  if (!s) return null;
  const lines = [`System #${s.id} · ${s.owner ? factionName(s.owner) : 'unclaimed'}`];
  const kind = s.kind && s.kind !== 'normal' ? ` · ${s.kind}` : '';
  lines.push(`Value ${s.value}${kind}${(Number(s.heat) || 0) > 0.6 ? ' · hot' : ''}`);
  const fleets = (state.index.fleetsAt.get(s.id) || []).filter((f) => isIdle(f));
  for (const f of fleets) lines.push(`${factionName(f.owner)} ${(Number(f.strength) || 0).toFixed(1)}`);
  if (s.is_besieged) lines.push('Under siege');
  return lines;
}

export function attachInput(view, { onClick, onContext }) {
  const canvas = view.canvas;
  const tooltip = $('tooltip');
  let down = null;

  const hideTooltip = () => {
    if (!tooltip.hidden) tooltip.hidden = true;
  };

  const showTooltip = (x, y) => {
    const lines = state.hover.inside ? tooltipLines(state.hover) : null;
    if (!lines) {
      hideTooltip();
      return;
    }
    tooltip.replaceChildren(...lines.map((text, i) => {
      const div = document.createElement('div');
      div.textContent = text;
      if (i === 0) div.className = 'tip-title';
      return div;
    }));
    tooltip.hidden = false;
    const w = tooltip.offsetWidth;
    const h = tooltip.offsetHeight;
    tooltip.style.left = `${Math.min(x + 16, window.innerWidth - w - 6)}px`;
    tooltip.style.top = `${Math.min(y + 16, window.innerHeight - h - 6)}px`;
  };

  const updateHover = (x, y) => {
    const h = state.hover;
    h.x = x;
    h.y = y;
    h.inside = true;
    const near = view.nearestSystem(x, y); // null before the first frame (G6)
    const fleet = near ? view.fleetAt(x, y) : null;
    const systemId = near ? near.system.id : null;
    const owner = near ? near.system.owner ?? null : null;
    const changed = h.systemId !== systemId || h.fleet !== fleet;
    h.systemId = systemId;
    h.fleet = fleet;
    h.close = Boolean(near) && near.distance <= Math.max(18, near.radius * 2.2);
    if (state.previewFaction !== owner) {
      state.previewFaction = owner;
      emit('preview');
    }
    if (changed) emit('hover');
    if (fleet || h.close) showTooltip(x, y);
    else hideTooltip();
  };

  canvas.addEventListener('pointerdown', (e) => {
    if (e.button === 2) return;
    down = { id: e.pointerId, x: e.clientX, y: e.clientY, lastX: e.clientX, lastY: e.clientY, t: performance.now(), panning: false };
    try {
      canvas.setPointerCapture(e.pointerId);
    } catch {
      // capture is optional
    }
  });

  canvas.addEventListener('pointermove', (e) => {
    if (down && e.pointerId === down.id) {
      if (!down.panning && state.frame && Math.hypot(e.clientX - down.x, e.clientY - down.y) > PAN_THRESHOLD_PX) {
        down.panning = true;
        canvas.classList.add('panning');
        hideTooltip();
      }
      if (down.panning) {
        view.camera.panBy(e.clientX - down.lastX, e.clientY - down.lastY);
        down.lastX = e.clientX;
        down.lastY = e.clientY;
        view.requestRedraw();
        emit('camera');
        return;
      }
    }
    updateHover(e.clientX, e.clientY);
  });

  const finish = (e, cancelled) => {
    if (!down || e.pointerId !== down.id) return;
    const d = down;
    down = null;
    canvas.classList.remove('panning');
    if (cancelled || d.panning || performance.now() - d.t > CLICK_MS) return;
    const near = view.nearestSystem(e.clientX, e.clientY);
    if (near) onClick(near.system);
  };
  canvas.addEventListener('pointerup', (e) => finish(e, false));
  canvas.addEventListener('pointercancel', (e) => finish(e, true));

  canvas.addEventListener('pointerleave', () => {
    if (down) return;
    state.hover.inside = false;
    state.hover.fleet = null;
    hideTooltip();
    if (state.previewFaction !== null) {
      state.previewFaction = null;
      emit('preview');
    }
    emit('hover');
  });

  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? window.innerHeight : 1;
    if (view.camera.zoomAt(e.clientX, e.clientY, Math.exp(-0.0012 * e.deltaY * unit))) {
      view.requestRedraw();
      emit('camera');
      updateHover(e.clientX, e.clientY);
    }
  }, { passive: false });

  canvas.addEventListener('contextmenu', (e) => {
    e.preventDefault();
    const near = view.nearestSystem(e.clientX, e.clientY);
    if (near) onContext(near.system, e.clientX, e.clientY);
  });
}
