#!/usr/bin/env node
// Browser end-to-end test of the Sector web UI.
//
//   node workloads/frontend/e2e/play.mjs            (from the repository root)
//
// Starts `sector dev` (binary from $SECTOR_BIN, default target/debug/sector) on a free port
// with this test's wallet as the dev admin and a 30-system map, drives Debian's headless
// Chromium through playwright-core with an injected EIP-1193 wallet (an ethers Wallet with a
// fixed test key signs in node), and plays: the map draws, sign in, pick a faction on the
// canvas, Start, the tick advances, then an order sends an own fleet to an adjacent system.
// Screenshots go to target/e2e/. Any uncaught page error fails the run.
//
// Environment:
//   SECTOR_BIN           path of the sector binary (default target/debug/sector)
//   SECTOR_E2E_MOCK=1    run against e2e/mock-server.mjs instead of `sector dev`
//   CHROMIUM             browser executable (default /usr/bin/chromium)
//   SECTOR_E2E_HEADED=1  show the browser (needs a display)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Wallet, getBytes, isHexString } from 'ethers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const shotsDir = path.join(repoRoot, 'target/e2e');
const TEST_KEY = '0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f';
const wallet = new Wallet(TEST_KEY);
const address = wallet.address; // checksummed, as a wallet returns it
const VIEWPORT = { width: 1280, height: 800 };
const HARD_LIMIT_MS = 120_000;

const started = Date.now();
let passed = 0;
let failed = 0;
let server = null;
let serverLog = '';
let context = null;
const pageErrors = [];
const consoleErrors = [];

function log(line) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${s}s] ${line}\n`);
}

class AssertionError extends Error {}

function assert(cond, message) {
  if (!cond) throw new AssertionError(message);
}

async function step(name, fn) {
  const t = Date.now();
  try {
    const out = await fn();
    passed++;
    log(`ok   ${name} (${Date.now() - t} ms)`);
    return out;
  } catch (err) {
    failed++;
    log(`FAIL ${name}: ${err && err.message ? err.message : err}`);
    throw err;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---- the server -------------------------------------------------------------------------

function startServer(port) {
  const mock = process.env.SECTOR_E2E_MOCK === '1';
  const bin = path.resolve(repoRoot, process.env.SECTOR_BIN || 'target/debug/sector');
  const common = ['--port', String(port), '--admin', address, '--systems', '30'];
  const [cmd, args] = mock
    ? [process.execPath, [path.join(here, 'mock-server.mjs'), ...common]]
    // A fixed map and no bots: a bot attack can legitimately wipe out the claimed faction in
    // the first ticks, which would make the order checks flaky.
    : [bin, ['dev', ...common, '--seed', 'e2e', '--no-bots']];
  if (!mock) assert(fs.existsSync(bin), `sector binary not found at ${bin} (build it, or set SECTOR_BIN)`);
  log(`starting ${mock ? 'mock server' : `${path.relative(repoRoot, bin)} dev`} on port ${port}`);
  // Its own process group, so the whole tree it starts can be stopped by that group's id.
  server = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: process.env });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new AssertionError(`no "Sector is running at" line within 60 s; output:\n${serverLog.slice(-3000)}`)), 60_000);
    const onData = (chunk) => {
      serverLog += chunk.toString();
      if (serverLog.length > 200_000) serverLog = serverLog.slice(-100_000);
      const m = /Sector is running at (https?:\/\/\S+)/.exec(serverLog);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].endsWith('/') ? m[1] : `${m[1]}/`);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new AssertionError(`server exited early (code ${code}, signal ${signal}); output:\n${serverLog.slice(-3000)}`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    server.kill('SIGTERM');
  }
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      server.kill('SIGKILL');
    }
  }
}

async function waitForSnapshot(base) {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('snapshot', base));
      if (res.ok) {
        const snap = await res.json();
        if (Array.isArray(snap.systems) && snap.systems.length > 0) return snap;
        last = 'snapshot without systems';
      } else {
        last = `HTTP ${res.status}`;
      }
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new AssertionError(`GET /snapshot never returned a world (${last})`);
}

// ---- browser helpers -------------------------------------------------------------------------

async function launchBrowser() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sector-e2e-chromium-'));
  context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: process.env.SECTOR_E2E_HEADED !== '1',
    viewport: VIEWPORT,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.userDataDir = dir;
  // The injected wallet: an EIP-1193 provider whose personal_sign is done by ethers in node.
  await context.exposeFunction('__e2eSign', (message) => wallet.signMessage(isHexString(message) ? getBytes(message) : message));
  await context.addInitScript({
    content: `(() => {
      const address = ${JSON.stringify(address)};
      const fail = (code, message) => Object.assign(new Error(message), { code });
      window.ethereum = {
        isMetaMask: true,
        async request({ method, params } = {}) {
          switch (method) {
            case 'eth_requestAccounts':
            case 'eth_accounts':
              return [address];
            case 'eth_chainId':
              return '0x539';
            case 'personal_sign': {
              const [message, from] = Array.isArray(params) ? params : [];
              if (String(from).toLowerCase() !== address.toLowerCase()) throw fail(4100, 'unknown account ' + from);
              return window.__e2eSign(message);
            }
            default:
              throw fail(4200, 'unsupported method ' + method);
          }
        },
      };
    })();`,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(err.stack || err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  return page;
}

async function shot(page, name) {
  fs.mkdirSync(shotsDir, { recursive: true });
  const file = path.join(shotsDir, name);
  await page.screenshot({ path: file });
  log(`     screenshot ${path.relative(repoRoot, file)}`);
}

async function text(page, selector) {
  return (await page.locator(selector).textContent()) || '';
}

const debug = (page, expr) => page.evaluate(expr);

/** Screen position of a system if the map canvas is what is under it, else null. */
async function clickablePos(page, id) {
  return page.evaluate((sid) => {
    const p = window.__sector.screenOf(sid);
    if (!p) return null;
    const margin = 30;
    if (p.x < margin || p.y < margin || p.x > window.innerWidth - margin || p.y > window.innerHeight - margin) return null;
    const hit = document.elementFromPoint(p.x, p.y);
    return hit && hit.id === 'map' ? p : null;
  }, id);
}

/** Pans the map (a drag on empty canvas) until system `id` is clickable; returns its position. */
async function reveal(page, id) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const pos = await clickablePos(page, id);
    if (pos) return pos;
    const plan = await page.evaluate((sid) => {
      const p = window.__sector.screenOf(sid);
      const target = { x: window.innerWidth * 0.5, y: window.innerHeight * 0.45 };
      // A drag start on the canvas whose press is not on a panel.
      for (let gy = 0.3; gy <= 0.9; gy += 0.1) {
        for (let gx = 0.35; gx <= 0.65; gx += 0.05) {
          const x = window.innerWidth * gx;
          const y = window.innerHeight * gy;
          const hit = document.elementFromPoint(x, y);
          if (hit && hit.id === 'map') return { from: { x, y }, dx: target.x - p.x, dy: target.y - p.y };
        }
      }
      return null;
    }, id);
    assert(plan, 'no free canvas area to drag the map from');
    await page.mouse.move(plan.from.x, plan.from.y);
    await page.mouse.down();
    const steps = 8;
    for (let k = 1; k <= steps; k++) {
      await page.mouse.move(plan.from.x + (plan.dx * k) / steps, plan.from.y + (plan.dy * k) / steps);
    }
    await page.mouse.up();
    await page.waitForTimeout(120);
  }
  const pos = await clickablePos(page, id);
  assert(pos, `system #${id} stays hidden behind the panels`);
  return pos;
}

async function clickSystem(page, id) {
  const pos = await reveal(page, id);
  await page.mouse.click(pos.x, pos.y);
  return pos;
}

// ---- the scenario ----------------------------------------------------------------------------

async function run() {
  fs.rmSync(path.join(shotsDir, 'failure.png'), { force: true });
  const port = await freePort();
  const base = await step('sector dev starts and prints its URL', () => startServer(port));
  log(`     ${base}`);
  await step('GET /snapshot serves a world', () => waitForSnapshot(base));
  const page = await step('Chromium starts with the injected wallet', () => launchBrowser());

  await step('pointer input before the first frame raises no error', async () => {
    // A second tab whose /snapshot fails and whose WebSocket never sends a frame.
    const blank = await context.newPage();
    const errors = [];
    blank.on('pageerror', (err) => errors.push(err.message));
    await blank.route('**/snapshot', (route) => route.abort());
    await blank.routeWebSocket(/\/ws/, () => {});
    await blank.goto(base, { waitUntil: 'domcontentloaded' });
    await blank.waitForFunction(() => window.__sector && window.__sector.redraws > 0, null, { timeout: 10_000 });
    await blank.mouse.move(400, 400);
    await blank.mouse.move(600, 450, { steps: 5 });
    await blank.mouse.wheel(0, -200);
    await blank.mouse.click(600, 450);
    await blank.mouse.click(600, 450, { button: 'right' });
    await blank.mouse.down();
    await blank.mouse.move(700, 500, { steps: 4 });
    await blank.mouse.up();
    await blank.waitForTimeout(200);
    assert((await debug(blank, () => window.__sector.systemsDrawn)) === 0, 'no frame should have been drawn');
    await blank.close();
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  });

  await step('the connection badge says when the feed is down', async () => {
    // A tab whose WebSocket is closed as soon as it opens: the page keeps reconnecting.
    const down = await context.newPage();
    await down.routeWebSocket(/\/ws/, (ws) => ws.close());
    await down.goto(base, { waitUntil: 'domcontentloaded' });
    await down.waitForFunction(() => document.getElementById('conn-badge').dataset.state === 'reconnecting', null, { timeout: 10_000 });
    const shown = await text(down, '#conn-badge');
    assert(/^Reconnecting in \d+s…$/.test(shown), `the badge reads "${shown}"`);
    assert(await down.locator('#conn-badge').isVisible(), 'the connection badge should be visible before sign-in');
    await down.close();
  });

  await step('the page loads and draws the map', async () => {
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.__sector && window.__sector.systemsDrawn > 0 && window.__sector.connection === 'live', null, { timeout: 15_000 });
    const info = await debug(page, () => ({ drawn: window.__sector.systemsDrawn, systems: window.__sector.systems().length }));
    assert(info.systems >= 3, `expected a world, got ${info.systems} systems`);
    // `sector dev` agrees to the deflated lean protocol; the mock server knows no subprotocol,
    // so the page falls back to the original messages.
    const protocol = await debug(page, () => window.__sector.protocol);
    const expected = process.env.SECTOR_E2E_MOCK === '1' ? '' : 'sector.lean.deflate.v1';
    assert(protocol === expected, `the live socket speaks "${protocol}", expected "${expected}"`);
    assert(info.drawn === info.systems, `${info.drawn} of ${info.systems} systems drawn`);
    // Canvas pixels: enough lit pixels, and an owned system's colour where it is drawn.
    const pixels = await page.evaluate(() => {
      const c = document.getElementById('map');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4 * 5) if (d[i + 3] > 60 && d[i] + d[i + 1] + d[i + 2] > 180) lit++;
      const owned = window.__sector.systems().find((s) => s.owner);
      let center = null;
      if (owned) {
        const p = window.__sector.screenOf(owned.id);
        const dpr = c.width / window.innerWidth;
        const px = c.getContext('2d').getImageData(Math.round(p.x * dpr), Math.round(p.y * dpr), 1, 1).data;
        center = [...px];
      }
      return { lit, center };
    });
    assert(pixels.lit > 300, `only ${pixels.lit} lit canvas pixels: the map does not look drawn`);
    assert(!pixels.center || pixels.center[3] > 200, `an owned system's centre is not drawn (rgba ${pixels.center})`);
    assert((await text(page, '#acct-status')) === 'Not signed in.', 'Account panel should say "Not signed in."');
    assert((await text(page, '#conn-badge')) === 'Live', `the connection badge reads "${await text(page, '#conn-badge')}"`);
    assert(await page.locator('#panel-status').isHidden(), 'Status panel should be hidden in the sign-in stage');
    await shot(page, 'loaded.png');
  });

  const leaderboardStatus = await step('the Leaderboard panel shows only when GET /api/leaderboard answers', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/leaderboard', { cache: 'no-store' })).status);
    log(`     GET /api/leaderboard → ${status}`);
    if (status >= 200 && status < 300) {
      await page.locator('#panel-leaderboard').waitFor({ state: 'visible', timeout: 5000 });
    } else {
      await page.waitForTimeout(300);
      assert(await page.locator('#panel-leaderboard').isHidden(), 'the Leaderboard panel should be hidden when the endpoint fails');
    }
    return status;
  });

  await step('hovering and zooming work before sign-in', async () => {
    const systems = await debug(page, () => window.__sector.systems());
    const pos = await reveal(page, systems[systems.length - 1].id);
    await page.mouse.move(pos.x, pos.y);
    await page.locator('#tooltip').waitFor({ state: 'visible', timeout: 3000 });
    const tip = await text(page, '#tooltip');
    assert(tip.includes(`System #${systems[systems.length - 1].id}`), `tooltip shows "${tip}"`);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(() => document.getElementById('st-zoom').textContent === 'Zoom: 1.43x', null, { timeout: 3000 });
    await page.mouse.wheel(0, 300);
    await page.waitForFunction(() => document.getElementById('st-zoom').textContent === 'Zoom: 1.00x', null, { timeout: 3000 });
  });

  await step('Sign In with the injected wallet', async () => {
    await page.click('#btn-signin');
    const short = `${address.slice(0, 6)}…${address.slice(-4)}`.toLowerCase();
    await page.waitForFunction((s) => document.getElementById('acct-wallet').textContent.toLowerCase().includes(s), short, { timeout: 10_000 });
    assert(await page.locator('#btn-logout').isVisible(), 'Logout button should be visible once signed in');
    assert(await page.locator('#btn-newmap').isVisible(), 'admin controls (New Map) should be visible: GET /api/me must report "is_admin": true for the --admin address');
  });

  const choice = await step('pick an unclaimed faction by clicking its system', async () => {
    const open = await page.evaluate(async () => (await (await fetch('/api/factions', { headers: { 'Content-Type': 'application/json' } })).json()).factions);
    const systems = await debug(page, () => window.__sector.systems());
    const candidates = open.filter((f) => !f.claimed).map((f) => ({ faction: f, system: systems.find((s) => s.owner === f.id) })).filter((c) => c.system);
    assert(candidates.length > 0, 'no unclaimed configured faction owns a system');
    const pick = candidates[0];
    await clickSystem(page, pick.system.id);
    await page.waitForFunction((name) => document.getElementById('acct-faction').textContent === `Faction: ${name}`, pick.faction.name, { timeout: 5000 });
    assert(await page.locator('#btn-start').isEnabled(), 'Start should be enabled for an unclaimed candidate');
    return pick;
  });

  const tick0 = await step('Start claims the faction and enters the game stage', async () => {
    await page.click('#btn-start');
    await page.waitForFunction((f) => window.__sector.faction === f, choice.faction.id, { timeout: 10_000 });
    await page.locator('#panel-status').waitFor({ state: 'visible', timeout: 3000 });
    const acct = await text(page, '#acct-faction');
    assert(acct === `Faction: ${choice.faction.name}`, `Account panel shows "${acct}"`);
    assert(await page.locator('#acct-hint').isHidden(), 'the selection hint should disappear after claiming');
    const t = Number((await text(page, '#st-tick')).replace(/^Tick:\s*/, ''));
    assert(Number.isFinite(t), 'Status panel shows no tick');
    await shot(page, 'claimed.png');
    return t;
  });

  await step('the tick counter advances', async () => {
    await page.waitForFunction((t) => {
      const n = Number(document.getElementById('st-tick').textContent.replace(/^Tick:\s*/, ''));
      return n >= t + 3;
    }, tick0, { timeout: 15_000 });
    log(`     tick ${tick0} → ${(await text(page, '#st-tick')).replace(/^Tick:\s*/, '')}`);
  });

  await step('the scoreboard lists every faction with its counts, by systems, and the tick', async () => {
    assert(await page.locator('#panel-factions').isVisible(), 'the Scoreboard panel should be visible in the game stage');
    // The panel re-renders synchronously on every frame: compare it with the frame in one go.
    const check = () => page.evaluate(() => {
      const s = window.__sector;
      const want = new Map();
      const row = (id) => want.get(id) || want.set(id, { systems: 0, fleets: 0, ships: 0 }).get(id);
      for (const sys of s.systems()) if (sys.owner) row(sys.owner).systems++;
      for (const f of s.fleets()) {
        if (!f.owner) continue;
        row(f.owner).fleets++;
        row(f.owner).ships += Math.max(0, Number(f.strength) || 0);
      }
      const rows = [...document.querySelectorAll('#faction-list li[data-faction]')].map((li) => {
        const score = li.querySelector('.score');
        return { id: li.dataset.faction, name: li.querySelector('.who').textContent, text: score.textContent,
          systems: Number(score.dataset.systems), fleets: Number(score.dataset.fleets), ships: Number(score.dataset.ships) };
      });
      const problems = [];
      for (const [id, w] of want) {
        const r = rows.find((x) => x.id === String(id));
        if (!r) problems.push(`no row for ${id}`);
        else if (r.systems !== w.systems || r.fleets !== w.fleets || r.ships !== Math.floor(w.ships + 1e-9)) {
          problems.push(`${id}: row ${r.systems}/${r.fleets}/${r.ships}, frame ${w.systems}/${w.fleets}/${w.ships}`);
        }
      }
      for (let i = 1; i < rows.length; i++) if (rows[i - 1].systems < rows[i].systems) problems.push(`row ${i} out of order`);
      return { problems, rows, tick: s.tick, shown: document.getElementById('sb-tick').textContent };
    });
    let got = await check();
    for (let k = 0; k < 5 && got.problems.length > 0; k++) {
      await page.waitForTimeout(50);
      got = await check();
    }
    assert(got.problems.length === 0, `scoreboard vs frame: ${got.problems.join('; ')}`);
    assert(got.rows.length >= 2, `the scoreboard lists ${got.rows.length} factions`);
    const mine = got.rows.find((r) => r.id === String(choice.faction.id));
    assert(mine && mine.name === choice.faction.name && mine.systems > 0, `own faction row: ${JSON.stringify(mine)}`);
    assert(/^\d+ systems? · \d+ fleets? · \d+ ships?$/.test(mine.text), `own faction row reads "${mine.text}"`);
    assert(await page.locator('#faction-list li.mine').count() === 1, 'the own faction row is marked');
    const t = Number(got.shown.replace(/^Tick:\s*/, ''));
    assert(Number.isFinite(t), `the scoreboard tick reads "${got.shown}"`);
    await page.waitForFunction((t0) => Number(document.getElementById('sb-tick').textContent.replace(/^Tick:\s*/, '')) >= t0 + 2, t, { timeout: 10_000 });
    log(`     ${got.rows.map((r) => `${r.name}: ${r.text}`).join(' | ')}`);
    await shot(page, 'scoreboard.png');
  });

  await step('the winner dialog opens the Leaderboard panel', async () => {
    await page.evaluate(() => document.getElementById('dlg-winner').showModal());
    await page.click('#dlg-winner-board');
    await page.waitForFunction(() => !document.getElementById('dlg-winner').open, null, { timeout: 3000 });
    if (leaderboardStatus >= 200 && leaderboardStatus < 300) {
      await page.locator('#panel-leaderboard').waitFor({ state: 'visible', timeout: 5000 });
      assert(!(await page.locator('#panel-leaderboard').evaluate((n) => n.classList.contains('collapsed'))), 'the Leaderboard panel should be expanded');
    } else {
      await page.locator('#notice[data-kind="error"]').waitFor({ state: 'visible', timeout: 5000 });
      await page.evaluate(() => { document.getElementById('notice').hidden = true; });
    }
  });

  await step('the connection badge shows a paused run, then live again', async () => {
    await page.click('#btn-pause');
    await page.waitForFunction(() => document.getElementById('conn-badge').dataset.state === 'paused', null, { timeout: 5000 });
    assert((await text(page, '#conn-badge')) === 'Paused', `the paused badge reads "${await text(page, '#conn-badge')}"`);
    await shot(page, 'paused.png');
    await page.click('#btn-pause');
    await page.waitForFunction(() => document.getElementById('conn-badge').dataset.state === 'live', null, { timeout: 5000 });
    assert((await text(page, '#conn-badge')) === 'Live', 'the badge reads Live after Resume');
  });

  await step('an order sends an own fleet to an adjacent system', async () => {
    const f = choice.faction.id;
    const { origin, target } = await page.evaluate((faction) => {
      const fleets = window.__sector.fleets();
      const lanes = window.__sector.lanes();
      const idle = fleets.filter((x) => x.owner === faction && x.eta === 0 && x.system_id !== null && x.strength > 0);
      for (const fl of idle.sort((a, b) => b.strength - a.strength)) {
        const lane = lanes.find(([a, b]) => a === fl.system_id || b === fl.system_id);
        if (lane) return { origin: fl.system_id, target: lane[0] === fl.system_id ? lane[1] : lane[0] };
      }
      return { origin: null, target: null };
    }, f);
    assert(origin !== null, `faction ${f} has no idle fleet next to a lane`);
    log(`     order #${origin} → #${target}`);
    await clickSystem(page, origin);
    await page.waitForFunction((o) => window.__sector.origin === o, origin, { timeout: 3000 });
    // Show the route preview while hovering the target, then click it.
    const tpos = await reveal(page, target);
    const still = await debug(page, () => window.__sector.origin);
    assert(still === origin, 'panning to the target cleared the origin selection');
    await page.mouse.move(tpos.x, tpos.y);
    await page.mouse.click(tpos.x, tpos.y);
    await page.waitForFunction((o) => window.__sector.origin === null, origin, { timeout: 3000 });
    await page.waitForFunction(({ faction, o, t }) => window.__sector.fleets().some((x) => x.owner === faction
      && ((x.enroute_from === o && x.enroute_to === t && x.eta > 0) || (x.system_id === t && x.eta === 0))),
    { faction: f, o: origin, t: target }, { timeout: 10_000, polling: 50 });
    await page.waitForFunction(() => window.__sector.eventLogLines > 0, null, { timeout: 8000 });
    assert(await page.locator('#panel-events').isVisible(), 'the Event Log panel should be visible in the game stage');
    await shot(page, 'order.png');
    const errorNotice = await page.locator('#notice[data-kind="error"]').isVisible();
    assert(!errorNotice, `an error notice is showing: "${await text(page, '#notice')}"`);
  });

  await step('right-click opens the rally menu', async () => {
    const pos = await reveal(page, choice.system.id);
    await page.mouse.click(pos.x, pos.y, { button: 'right' });
    await page.locator('#ctx-menu').waitFor({ state: 'visible', timeout: 2000 });
    assert((await text(page, '#ctx-title')) === `System #${choice.system.id}`, 'rally menu title');
    await page.keyboard.press('Escape');
    await page.locator('#ctx-menu').waitFor({ state: 'hidden', timeout: 2000 });
  });

  await step('Logout signs the page out', async () => {
    await page.click('#btn-logout');
    await page.waitForFunction(() => document.getElementById('acct-status').textContent === 'Not signed in.' && !document.getElementById('acct-status').hidden, null, { timeout: 5000 });
    const stored = await page.evaluate(() => [localStorage.getItem('sector.jwt'), sessionStorage.getItem('sector.jwt')]);
    assert(stored[0] === null && stored[1] === null, 'the token is still stored after logout');
  });

  await step('no uncaught page errors', async () => {
    assert(pageErrors.length === 0, `uncaught page errors:\n${pageErrors.join('\n')}`);
  });
}

async function cleanup() {
  if (context) {
    const dir = context.userDataDir;
    await context.close().catch(() => {});
    context = null;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  await stopServer();
}

const watchdog = setTimeout(() => {
  log(`FAIL the run exceeded ${HARD_LIMIT_MS / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, HARD_LIMIT_MS);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}

let ok = false;
try {
  await run();
  ok = true;
} catch (err) {
  if (!(err instanceof AssertionError) && failed === 0) {
    failed++;
    log(`FAIL ${err && err.stack ? err.stack : err}`);
  }
  if (context) {
    const page = context.pages()[0];
    if (page) await shot(page, 'failure.png').catch(() => {});
  }
  if (pageErrors.length) log(`page errors:\n${pageErrors.join('\n')}`);
  if (serverLog) log(`server output (last lines):\n${serverLog.split('\n').slice(-25).join('\n')}`);
} finally {
  clearTimeout(watchdog);
  if (consoleErrors.length) log(`console errors (not fatal):\n  ${consoleErrors.join('\n  ')}`);
  await cleanup();
}
log(`${ok ? 'PASS' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
