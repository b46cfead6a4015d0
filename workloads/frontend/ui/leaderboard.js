// The Leaderboard panel: `GET /leaderboard` →
// {"players":[{"address","wins"}],"factions":[{"faction","name","wins"}]}. The panel stays
// hidden when the endpoint answers an error (e.g. 404 on an API without it).
import { api } from './api.js';
import { $, el, setHidden, shortAddress } from './dom.js';
import { state } from './state.js';
import { notice } from './notice.js';

const TOP = 10;

function entry(label, wins, title, mine) {
  const li = el('li', { className: mine ? 'mine' : '' },
    el('span', { className: 'who', text: label, title: title || '' }),
    el('span', { className: 'wins', text: `${wins} ${wins === 1 ? 'win' : 'wins'}` }));
  return li;
}

function render(data) {
  const factions = Array.isArray(data.factions) ? data.factions.filter((f) => f && typeof f === 'object') : [];
  const players = Array.isArray(data.players) ? data.players.filter((p) => p && typeof p === 'object') : [];
  const fl = $('lb-factions');
  fl.replaceChildren(...factions.slice(0, TOP).map((f) => {
    const id = typeof f.faction === 'string' ? f.faction : '?';
    const name = typeof f.name === 'string' && f.name !== '' ? f.name : id;
    return entry(name, Number(f.wins) || 0, id, id === state.faction);
  }));
  if (factions.length === 0) fl.append(el('li', { className: 'dim', text: 'No finished runs yet.' }));
  const pl = $('lb-players');
  const me = typeof state.address === 'string' ? state.address.toLowerCase() : null;
  pl.replaceChildren(...players.slice(0, TOP).map((p) => {
    const address = typeof p.address === 'string' ? p.address : '?';
    return entry(shortAddress(address), Number(p.wins) || 0, address, me !== null && address.toLowerCase() === me);
  }));
  if (players.length === 0) pl.append(el('li', { className: 'dim', text: 'No winning players yet.' }));
}

let inFlight = null;

export function refreshLeaderboard() {
  if (inFlight) return inFlight;
  inFlight = (async () => {
    try {
      const data = await api.leaderboard();
      render(data);
      setHidden($('panel-leaderboard'), false);
    } catch {
      setHidden($('panel-leaderboard'), true);
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/**
 * Opens the Leaderboard panel (the winner dialog's "Leaderboard" button): reloads it,
 * expands it when collapsed and brings it into view; a notice says when it is unavailable.
 */
export async function openLeaderboard() {
  await refreshLeaderboard();
  const panel = $('panel-leaderboard');
  if (panel.hidden) {
    notice('The leaderboard is not available.', 'error');
    return false;
  }
  if (panel.classList.contains('collapsed')) panel.querySelector('.panel-toggle').click();
  panel.scrollIntoView({ block: 'nearest' });
  panel.querySelector('.panel-toggle').focus();
  return true;
}
