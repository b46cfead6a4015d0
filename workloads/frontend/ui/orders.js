// Commanding fleets (UI.md §7): origin selection, sending a route order, and the right-click
// rally menu.
import { api, describeError } from './api.js';
import { orderBatches } from './batches.js';
import { $ } from './dom.js';
import { isIdle } from './frame.js';
import { reachableFrom, shortestPath } from './graph.js';
import { emit, state } from './state.js';
import { notice } from './notice.js';
import { refreshPlayer } from './session.js';

/** The player's idle fleets at a system. */
export function ownIdleFleets(systemId) {
  if (!state.frame || !state.faction) return [];
  return state.frame.fleets.filter((f) => f.owner === state.faction && f.system_id === systemId && isIdle(f));
}

/** Shows an order failure; a 403 (e.g. the claim was revoked) also re-reads the player. */
function orderFailed(err, prefix = '') {
  notice(prefix + describeError(err), 'error');
  if (err && err.status === 403) refreshPlayer({ userInitiated: false });
}

/** A click on a system by a player with a faction. */
export async function commandClick(systemId) {
  const origin = state.selection.origin;
  if (origin === null) {
    if (ownIdleFleets(systemId).length === 0) {
      notice('No idle fleets at that system.', 'select');
      return;
    }
    state.selection.origin = systemId;
    emit('selection');
    return;
  }
  if (origin === systemId) {
    state.selection.origin = null;
    emit('selection');
    return;
  }
  if (!shortestPath(state.adjacency, origin, systemId)) {
    notice('No route found.', 'select');
    return;
  }
  const faction = state.faction;
  state.selection.origin = null;
  state.orderFlash = { target: systemId, at: performance.now() };
  emit('selection');
  try {
    await api.orders([{ faction, origin_id: origin, target_id: systemId, reason: 'human-route' }]);
  } catch (err) {
    orderFailed(err);
  }
}

/** One rally order per idle fleet of the player at every other connected system. */
export function rallyOrders(targetId) {
  if (!state.frame || !state.faction) return [];
  const reachable = reachableFrom(state.adjacency, targetId);
  const orders = [];
  for (const f of state.frame.fleets) {
    if (f.owner !== state.faction || !isIdle(f) || f.system_id === targetId) continue;
    if (!reachable.has(f.system_id)) continue;
    orders.push({
      faction: state.faction,
      origin_id: f.system_id,
      target_id: targetId,
      reason: 'human-rally',
      fleet_id: f.id,
    });
  }
  return orders;
}

function hasIdleElsewhere(targetId) {
  if (!state.frame || !state.faction) return false;
  return state.frame.fleets.some((f) => f.owner === state.faction && isIdle(f) && f.system_id !== targetId);
}

let menuTarget = null;

export function closeMenu() {
  const menu = $('ctx-menu');
  if (!menu.hidden) menu.hidden = true;
  menuTarget = null;
}

/** Opens the rally menu for a system at a client position. */
export function openMenu(systemId, clientX, clientY) {
  const menu = $('ctx-menu');
  const item = $('ctx-rally');
  menuTarget = systemId;
  $('ctx-title').textContent = `System #${systemId}`;
  const enabled = hasIdleElsewhere(systemId);
  item.disabled = !enabled;
  item.textContent = enabled ? 'Rally all idle fleets' : 'No idle fleets to rally';
  menu.hidden = false;
  const w = menu.offsetWidth;
  const h = menu.offsetHeight;
  menu.style.left = `${Math.max(4, Math.min(clientX, window.innerWidth - w - 4))}px`;
  menu.style.top = `${Math.max(4, Math.min(clientY, window.innerHeight - h - 4))}px`;
}

async function rally() {
  const target = menuTarget;
  closeMenu();
  if (target === null) return;
  const orders = rallyOrders(target);
  if (orders.length === 0) {
    notice('No idle fleets to rally.', 'select');
    return;
  }
  let sent = 0;
  try {
    for (const batch of orderBatches(orders)) {
      await api.orders(batch);
      sent += batch.length;
    }
    notice(`Rally orders sent: ${orders.length}.`, 'select');
  } catch (err) {
    // Earlier batches are queued already: say so rather than suggest nothing was sent.
    orderFailed(err, sent > 0 ? `Rally orders sent: ${sent} of ${orders.length}. ` : '');
  }
}

export function initOrders() {
  $('ctx-rally').addEventListener('click', rally);
  // Pressing anywhere outside the menu closes it.
  window.addEventListener('pointerdown', (e) => {
    if (!$('ctx-menu').contains(e.target)) closeMenu();
  }, true);
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      closeMenu();
      if (state.selection.origin !== null) {
        state.selection.origin = null;
        emit('selection');
      }
    }
  });
}
