// Heads-up panels (UI.md §4): collapsible panels remembered in localStorage under
// `frontend.panel.<name>`, and the Account, Status and Factions (scoreboard) contents.
import { getToken } from './api.js';
import { $, el, setHidden, setText, shortAddress } from './dom.js';
import { local } from './storage.js';
import { factionName, inGameStage, on, state } from './state.js';
import { safeColor } from './colors.js';
import { scoreboardRows } from './frame.js';
import { reconnectSeconds } from './live.js';
import { hoverSummary } from './input.js';
import { canStart } from './session.js';

const PANELS = ['account', 'status', 'factions', 'leaderboard', 'events'];

function panelNode(name) {
  return $(`panel-${name}`);
}

function isCollapsed(name) {
  return panelNode(name).classList.contains('collapsed');
}

function setCollapsed(name, collapsed) {
  const panel = panelNode(name);
  panel.classList.toggle('collapsed', collapsed);
  const button = panel.querySelector('.panel-toggle');
  button.textContent = collapsed ? 'Expand' : 'Collapse';
  button.setAttribute('aria-expanded', String(!collapsed));
  local.set(`frontend.panel.${name}`, collapsed ? 'collapsed' : 'open');
  updateCollapseAll();
}

function visiblePanels() {
  return PANELS.filter((name) => !panelNode(name).hidden);
}

function updateCollapseAll() {
  const anyOpen = visiblePanels().some((name) => !isCollapsed(name));
  setText($('btn-collapse-all'), anyOpen ? 'Collapse All' : 'Expand All');
}

function initCollapsing() {
  for (const name of PANELS) {
    const panel = panelNode(name);
    const saved = local.get(`frontend.panel.${name}`);
    panel.classList.toggle('collapsed', saved === 'collapsed');
    const button = panel.querySelector('.panel-toggle');
    button.textContent = saved === 'collapsed' ? 'Expand' : 'Collapse';
    button.setAttribute('aria-expanded', String(saved !== 'collapsed'));
    button.addEventListener('click', () => setCollapsed(name, !isCollapsed(name)));
  }
  $('btn-collapse-all').addEventListener('click', () => {
    const anyOpen = visiblePanels().some((name) => !isCollapsed(name));
    for (const name of PANELS) setCollapsed(name, anyOpen);
  });
}

// ---- Account ---------------------------------------------------------------------------

let seedEdited = false;

function seedText() {
  if (state.seedOverride !== null) return state.seedOverride;
  const seed = state.frame ? state.frame.generator_seed : null;
  return seed === null || seed === undefined ? 'live' : String(seed);
}

function renderAccount() {
  const signedIn = Boolean(getToken());
  const status = $('acct-status');
  const wallet = $('acct-wallet');
  const faction = $('acct-faction');
  const hint = $('acct-hint');
  if (state.connectingAddress && !signedIn) {
    setText(status, `Wallet: ${state.connectingAddress}`);
    setHidden(status, false);
    setHidden(wallet, true);
    setHidden(faction, true);
    setHidden(hint, true);
  } else if (signedIn || state.candidate) {
    setHidden(status, true);
    setText(wallet, `Wallet: ${signedIn && state.address ? shortAddress(state.address) : '—'}${state.isAdmin ? ' (admin)' : ''}`);
    wallet.title = signedIn && state.address ? state.address : '';
    setHidden(wallet, false);
    const name = state.faction ? factionName(state.faction) : state.candidate ? factionName(state.candidate) : '—';
    setText(faction, `Faction: ${name}${state.spectator && !state.faction ? ' (spectating)' : ''}`);
    setHidden(faction, false);
    setHidden(hint, Boolean(state.faction) || state.spectator);
  } else {
    setText(status, 'Not signed in.');
    setHidden(status, false);
    setHidden(wallet, true);
    setHidden(faction, true);
    setHidden(hint, true);
  }
  setText($('acct-seed'), `Seed: ${seedText()}`);
  const input = $('seed-input');
  if (document.activeElement !== input && !seedEdited) {
    const value = seedText() === 'live' ? '' : seedText();
    if (input.value !== value) input.value = value;
  }
  const admin = signedIn && state.isAdmin;
  for (const node of document.querySelectorAll('.admin-only')) setHidden(node, !admin);
  $('btn-newmap').disabled = !signedIn;
  $('btn-start').disabled = !canStart();
  setHidden($('btn-logout'), !signedIn);
  $('chk-bots-only').checked = state.botsOnly;
  setText($('btn-pause'), state.paused ? 'Resume' : 'Pause');
  setHidden($('paused-badge'), state.paused !== true);
}

// ---- Status ----------------------------------------------------------------------------

export function connectionText(connection = state.connection) {
  switch (connection) {
    case 'live':
      return 'Live';
    case 'reconnecting':
      return `Reconnecting in ${reconnectSeconds()}s…`;
    case 'offline':
      return 'Offline';
    default:
      return 'Connecting…';
  }
}

/**
 * The connection badge: the socket's state, or "Paused" while the socket is live and the
 * server says the run is paused (a live feed that does not move would look broken otherwise).
 */
export function connectionBadge(connection, paused) {
  if (connection === 'live' && paused === true) return { state: 'paused', text: 'Paused' };
  return { state: connection, text: connectionText(connection) };
}

function renderConnection() {
  const badge = connectionBadge(state.connection, state.paused);
  const node = $('conn-badge');
  node.dataset.state = badge.state;
  node.querySelector('.dot').dataset.state = badge.state === 'paused' ? 'live' : badge.state;
  setText($('conn-badge-text'), badge.text);
  setText($('st-conn-text'), connectionText());
  $('st-conn-dot').dataset.state = state.connection;
}

let mapView = null;

function renderStatus() {
  const frame = state.frame;
  setText($('st-tick'), `Tick: ${frame && typeof frame.tick === 'number' ? frame.tick : '—'}`);
  setText($('st-systems'), `Systems: ${frame ? frame.systems.length : 0}`);
  setText($('st-zoom'), `Zoom: ${mapView ? mapView.camera.zoom.toFixed(2) : '1.00'}x`);
  setText($('st-run'), `Run: ${state.paused === true ? 'paused' : frame && frame.tick > 0 ? 'running' : 'waiting for players'}`);
  renderConnection();
  renderHover();
}

function renderHover() {
  const hover = state.hover;
  const id = hover.inside ? hover.systemId : null;
  setText($('st-hover'), id === null ? '—' : hoverSummary(id));
  let name;
  if (id !== null && state.index && state.index.sysById.has(id)) {
    const owner = state.index.sysById.get(id).owner;
    name = owner === null || owner === undefined ? '—' : factionName(owner);
  } else {
    name = state.faction ? factionName(state.faction) : '—';
  }
  setText($('st-faction'), `Faction: ${name}`);
}

// ---- Factions --------------------------------------------------------------------------

let factionsKey = '';

/** "3 systems · 2 fleets · 15 ships" */
export function scoreText(row) {
  const n = (count, one, many) => `${count} ${count === 1 ? one : many}`;
  return `${n(row.systems, 'system', 'systems')} · ${n(row.fleets, 'fleet', 'fleets')} · ${n(row.strength, 'ship', 'ships')}`;
}

/** The scoreboard (every faction of the frame, by systems owned) and the run's tick. */
function renderFactions() {
  const frame = state.frame;
  setText($('sb-tick'), `Tick: ${frame && typeof frame.tick === 'number' ? frame.tick : '—'}`);
  const rows = frame ? scoreboardRows(frame) : [];
  const key = rows.map((r) => `${r.id}:${r.systems}:${r.fleets}:${r.strength}:${factionName(r.id)}:${state.palette.colors.get(r.id)}`).join('|') + `|${state.faction}`;
  if (key === factionsKey) return;
  factionsKey = key;
  const list = $('faction-list');
  list.replaceChildren(...rows.map((r) => {
    const swatch = el('span', { className: 'swatch' });
    swatch.style.backgroundColor = safeColor(state.palette.colors.get(r.id) || r.color, '#888888');
    const row = el('li', { className: r.id === state.faction ? 'mine' : '', dataset: { faction: String(r.id) } },
      swatch,
      el('span', { className: 'who', text: factionName(r.id) }),
      el('span', { className: 'score', text: scoreText(r), dataset: { systems: String(r.systems), fleets: String(r.fleets), ships: String(r.strength) } }));
    row.addEventListener('pointerenter', () => setRowPreview(r.id));
    row.addEventListener('pointerleave', () => setRowPreview(null));
    return row;
  }));
  if (rows.length === 0) list.append(el('li', { className: 'dim', text: 'No factions yet.' }));
}

let emitPreview = () => {};

function setRowPreview(id) {
  if (state.rowPreviewFaction === id) return;
  state.rowPreviewFaction = id;
  emitPreview();
}

// ---- stage -------------------------------------------------------------------------------

function renderStage() {
  const game = inGameStage();
  setHidden(panelNode('status'), !game);
  setHidden(panelNode('factions'), !game);
  setHidden(panelNode('events'), !game);
  document.body.classList.toggle('game-stage', game);
  updateCollapseAll();
}

export function renderAll() {
  renderStage();
  renderAccount();
  renderStatus();
  renderFactions();
}

export function initPanels(view, { onPreview }) {
  mapView = view;
  emitPreview = onPreview;
  initCollapsing();
  const input = $('seed-input');
  input.addEventListener('input', () => {
    seedEdited = true;
  });
  on('seed', ({ value, resetInput }) => {
    if (resetInput) {
      seedEdited = false;
      input.value = value;
    }
    renderAccount();
  });
  on('player', renderAll);
  on('frame', () => {
    renderAccount();
    renderStatus();
    renderFactions();
    renderStage();
  });
  on('hover', renderHover);
  on('camera', () => setText($('st-zoom'), `Zoom: ${view.camera.zoom.toFixed(2)}x`));
  on('connection', renderConnection);
  setInterval(() => setText($('st-fps'), `FPS: ${view.fps}`), 500);
  renderAll();
}

/** Called once a drawn frame shows the real seed (UI.md §8: typed text shows until then). */
export function clearSeedOverride() {
  if (state.seedOverride !== null) {
    state.seedOverride = null;
    renderAccount();
  }
}
