// The player session: `/me`, pause state, open factions, claim / bots-only (Start), run
// control (New Map, Set Seed, Pause) and logout (UI.md §5, §6, §8).
import { api, clearToken, describeError, getToken } from './api.js';
import { emit, factionName, state } from './state.js';
import { hideNotice, notice } from './notice.js';
import { confirmDialog } from './dialogs.js';

function forgetPlayer() {
  state.address = null;
  state.faction = null;
  state.isAdmin = false;
  state.universeId = null;
  state.paused = null;
  state.selection.origin = null;
  emit('selection');
}

/**
 * Refreshes `/me` then `/admin/pause` (both only with a token) then `/factions`.
 * `userInitiated` refreshes show a failing `/factions` as a notice; `/me` failing never
 * does: it signs the page out (UI.md §1, §5). Returns whether `/factions` loaded, so a caller
 * does not hide the notice that says it did not.
 */
export async function refreshPlayer({ userInitiated = false } = {}) {
  if (getToken()) {
    try {
      const me = await api.me();
      state.address = typeof me.address === 'string' ? me.address : state.address;
      state.faction = typeof me.faction === 'string' && me.faction !== '' ? me.faction : null;
      state.isAdmin = me.is_admin === true;
      state.universeId = me.universe_id ?? null;
    } catch {
      clearToken();
      forgetPlayer();
    }
  } else {
    state.spectator = false; // only a refresh made while signed out clears it (UI.md §1)
  }
  if (getToken()) {
    try {
      const p = await api.getPause();
      state.paused = p.paused === true;
    } catch {
      state.paused = false;
    }
  }
  if (state.faction) state.candidate = null;
  emit('player');
  let listed = true;
  try {
    const res = await api.factions();
    state.openFactions = Array.isArray(res.factions) ? res.factions : [];
  } catch (err) {
    listed = false;
    if (userInitiated) notice(describeError(err), 'error');
  }
  emit('player');
  return listed;
}

/** Clicking a system while the player has no faction selects its owner as the candidate. */
export function selectCandidate(owner) {
  if (state.faction || state.botsOnly || owner === null || owner === undefined) return;
  if (state.candidate === owner) return;
  state.candidate = owner;
  notice(`Selected ${factionName(owner)}.`, 'select');
  emit('player');
}

export function canStart() {
  if (!getToken()) return false;
  if (state.botsOnly) return state.isAdmin;
  if (state.faction || !state.candidate) return false;
  return state.openFactions.some((f) => f && f.id === state.candidate && f.claimed !== true);
}

/** Start: claim the candidate, or (Bot run only checked) start a bots-only run. */
export async function start() {
  if (!canStart()) return;
  if (state.botsOnly) {
    try {
      await api.botsOnly();
    } catch (err) {
      notice(describeError(err), 'error');
      return;
    }
    state.spectator = true;
    state.candidate = null;
    emit('player');
    await refreshPlayer({ userInitiated: false });
    notice('Bots-only run started.', 'success');
    return;
  }
  const faction = state.candidate;
  try {
    await api.claim(faction);
  } catch (err) {
    notice(describeError(err), 'error');
    await refreshPlayer({ userInitiated: false });
    return;
  }
  const listed = await refreshPlayer({ userInitiated: true });
  if (state.faction && listed) hideNotice();
}

export function setBotsOnly(checked) {
  state.botsOnly = Boolean(checked);
  if (state.botsOnly) {
    state.candidate = null;
    state.previewFaction = null;
  }
  emit('player');
  emit('preview');
}

/** Generated restart seed: `<ms since epoch>-<random integer below 10^9>`. */
function generatedSeed() {
  return `${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

const CONFIRM_TITLE = 'New Map';
const CONFIRM_TEXT = 'Create a new map? You will need to claim a faction again.';

export async function newMap() {
  if (!getToken()) {
    notice('Sign in to restart the simulation.', 'error');
    return;
  }
  if (!(await confirmDialog(CONFIRM_TITLE, CONFIRM_TEXT))) return;
  const seed = generatedSeed();
  try {
    await api.restart(seed);
  } catch (err) {
    notice(describeError(err), 'error');
    return;
  }
  notice('New map requested.', 'success');
  state.seedOverride = seed;
  emit('seed', { value: seed, resetInput: true });
  await refreshPlayer({ userInitiated: false });
}

export async function setSeed(typed) {
  if (!getToken()) {
    notice('Sign in to set a seed.', 'error');
    return;
  }
  if (!(await confirmDialog(CONFIRM_TITLE, CONFIRM_TEXT))) return;
  const seed = String(typed || '').trim();
  try {
    await api.restart(seed || undefined);
  } catch (err) {
    notice(describeError(err), 'error');
    return;
  }
  notice(seed ? `New map seeded: ${seed}` : 'New map requested.', 'success');
  state.seedOverride = seed || 'live';
  emit('seed', { value: seed, resetInput: true });
}

export async function togglePause() {
  if (!getToken()) {
    notice('Sign in to pause the simulation.', 'error');
    return;
  }
  try {
    const res = await api.setPause(!(state.paused === true));
    state.paused = res.paused === true;
    notice(state.paused ? 'Simulation paused.' : 'Simulation resumed.', 'success');
  } catch (err) {
    notice(describeError(err), 'error');
  }
  emit('player');
}

/** Logout revokes the server session (failures ignored), then forgets the token locally. */
export async function logout() {
  if (getToken()) {
    try {
      await api.logout();
    } catch {
      // the session expires on its own; the token is forgotten either way
    }
  }
  clearToken();
  forgetPlayer();
  emit('player');
}

/** New run (UI.md §1): clear selection, candidate and faction, then refresh the player. */
export function onNewRun() {
  state.selection.origin = null;
  state.candidate = null;
  state.faction = null;
  emit('selection');
  emit('player');
  refreshPlayer({ userInitiated: false });
}
