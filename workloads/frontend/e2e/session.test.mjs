// Unit tests of the player session (session.js) with a stubbed DOM, storage and fetch:
// node --test workloads/frontend/e2e/session.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';

const elements = new Map();
const memoryStorage = () => ({ getItem: () => null, setItem() {}, removeItem() {} });
globalThis.window = {
  location: { search: '', origin: 'http://sector.test' },
  sessionStorage: memoryStorage(),
  localStorage: memoryStorage(),
};
globalThis.document = {
  getElementById(id) {
    if (!elements.has(id)) elements.set(id, { id, textContent: '', dataset: {}, hidden: true });
    return elements.get(id);
  },
};
// Path → [status, body] of the stubbed API.
const routes = new Map();
globalThis.fetch = async (url) => {
  const path = new URL(url).pathname.replace(/^\/api/, '');
  const [status, body] = routes.get(path) ?? [404, { detail: 'Not Found' }];
  return { ok: status < 400, status, statusText: '', text: async () => JSON.stringify(body) };
};

const { setToken } = await import('../ui/api.js');
const { refreshPlayer, start } = await import('../ui/session.js');
const { state } = await import('../ui/state.js');

const notice = () => document.getElementById('notice');

function signedIn(faction) {
  setToken('token');
  routes.set('/me', [200, { address: '0xab', faction, universe_id: '1', is_admin: false }]);
  routes.set('/admin/pause', [200, { paused: false, universe_id: '1' }]);
}

test('a failed /factions refresh the player asked for stays on screen', async () => {
  signedIn(null);
  routes.set('/factions', [503, { detail: 'redis error: down' }]);
  assert.equal(await refreshPlayer({ userInitiated: true }), false);
  assert.equal(notice().hidden, false);
  assert.equal(notice().textContent, 'redis error: down');
  routes.set('/factions', [200, { factions: [{ id: 'F1', claimed: false }] }]);
  assert.equal(await refreshPlayer({ userInitiated: false }), true);
});

test('after a claim, the notice is hidden only if the factions list loaded', async () => {
  signedIn(null);
  routes.set('/factions', [200, { factions: [{ id: 'F1', claimed: false }] }]);
  await refreshPlayer();
  state.candidate = 'F1';
  routes.set('/factions/claim', [200, { faction: 'F1' }]);
  signedIn('F1');
  routes.set('/factions', [503, { detail: 'redis error: down' }]);
  notice().hidden = true;
  await start();
  assert.equal(state.faction, 'F1');
  assert.equal(notice().hidden, false, 'the failure is shown');
  assert.equal(notice().textContent, 'redis error: down');

  signedIn(null);
  routes.set('/factions', [200, { factions: [{ id: 'F1', claimed: false }] }]);
  await refreshPlayer();
  state.candidate = 'F1';
  signedIn('F1');
  routes.set('/factions', [200, { factions: [{ id: 'F1', claimed: true }] }]);
  await start();
  assert.equal(notice().hidden, true, 'a clean claim clears the notice');
});
