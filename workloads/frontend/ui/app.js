// Entry point of the Sector web UI: wires the map, input, panels, live data and session.
import { $ } from './dom.js';
import { api, getToken } from './api.js';
import { emit, on, state } from './state.js';
import { MapView } from './map.js';
import { attachInput } from './input.js';
import { clearSeedOverride, initPanels } from './panels.js';
import { initDialogs, showWinner } from './dialogs.js';
import { commandClick, initOrders, openMenu } from './orders.js';
import { initEventLog } from './eventlog.js';
import { refreshLeaderboard } from './leaderboard.js';
import { startLive } from './live.js';
import { signIn } from './wallet.js';
import {
  logout, newMap, onNewRun, refreshPlayer, selectCandidate, setBotsOnly, setSeed, start, togglePause,
} from './session.js';
import { installDebug } from './debug.js';

const PAUSE_POLL_MS = 15000;

function wireButtons() {
  $('btn-signin').addEventListener('click', () => signIn());
  $('btn-start').addEventListener('click', () => start());
  $('btn-newmap').addEventListener('click', () => newMap());
  $('btn-logout').addEventListener('click', () => logout());
  $('btn-pause').addEventListener('click', () => togglePause());
  $('chk-bots-only').addEventListener('change', (e) => setBotsOnly(e.target.checked));
  $('btn-set-seed').addEventListener('click', () => setSeed($('seed-input').value));
  $('seed-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') setSeed($('seed-input').value);
  });
}

/** Another admin may pause the run: re-read the pause state now and then while signed in. */
function pollPause() {
  setInterval(async () => {
    if (!getToken() || document.hidden) return;
    try {
      const res = await api.getPause();
      const paused = res.paused === true;
      if (paused !== state.paused) {
        state.paused = paused;
        emit('player');
      }
    } catch {
      // a failing poll changes nothing; `/me` failures are handled by the next refresh
    }
  }, PAUSE_POLL_MS);
}

function main() {
  const view = new MapView($('map'), $('stars'));
  initDialogs();
  initOrders();
  initEventLog();
  initPanels(view, { onPreview: () => emit('preview') });
  installDebug(view);
  view.resize();
  window.addEventListener('resize', () => view.resize());

  attachInput(view, {
    onClick: (system) => {
      if (state.faction) commandClick(system.id);
      else selectCandidate(system.owner ?? null);
    },
    onContext: (system, x, y) => openMenu(system.id, x, y),
  });
  wireButtons();

  on('frame', (e) => {
    if (e.newRun) {
      onNewRun();
      refreshLeaderboard();
    }
    clearSeedOverride();
  });
  on('run-end', (msg) => {
    const label = typeof msg.winner_label === 'string' && msg.winner_label !== '' ? msg.winner_label : msg.winner;
    if (label !== null && label !== undefined && String(label) !== '' && String(label).toLowerCase() !== 'none') {
      showWinner(String(label));
    }
    refreshLeaderboard();
  });

  // Page load (WIRE.md §12): /snapshot → /ws → (/me → /admin/pause) → /factions.
  (async () => {
    await startLive();
    await refreshPlayer({ userInitiated: false });
    await refreshLeaderboard();
  })();
  pollPause();
}

main();
