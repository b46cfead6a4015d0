// Modal dialogs: the confirmation used by New Map / Set Seed and the winner dialog
// (UI.md §8), whose Leaderboard button opens the Leaderboard panel. A click on the backdrop
// cancels / closes.
import { $ } from './dom.js';
import { openLeaderboard } from './leaderboard.js';

function closeOnBackdrop(dialog, onClose) {
  dialog.addEventListener('click', (e) => {
    // The dialog's content fills a wrapper; a click whose target is the dialog itself landed
    // on the backdrop.
    if (e.target === dialog) onClose();
  });
}

let confirmResolve = null;

export function initDialogs() {
  const confirm = $('dlg-confirm');
  const finish = (ok) => {
    if (confirm.open) confirm.close();
    const resolve = confirmResolve;
    confirmResolve = null;
    if (resolve) resolve(ok);
  };
  $('dlg-confirm-ok').addEventListener('click', () => finish(true));
  $('dlg-confirm-cancel').addEventListener('click', () => finish(false));
  confirm.addEventListener('cancel', (e) => {
    e.preventDefault();
    finish(false);
  });
  closeOnBackdrop(confirm, () => finish(false));

  const winner = $('dlg-winner');
  $('dlg-winner-ok').addEventListener('click', () => winner.close());
  $('dlg-winner-board').addEventListener('click', () => {
    winner.close();
    openLeaderboard();
  });
  closeOnBackdrop(winner, () => winner.close());
}

/** Shows "title / text" with OK and Cancel; resolves true for OK. */
export function confirmDialog(title, text) {
  const dialog = $('dlg-confirm');
  if (confirmResolve) confirmResolve(false);
  $('dlg-confirm-title').textContent = title;
  $('dlg-confirm-text').textContent = text;
  return new Promise((resolve) => {
    confirmResolve = resolve;
    if (!dialog.open) dialog.showModal();
    $('dlg-confirm-ok').focus();
  });
}

/** "Run Complete — Winner: <label>" with Leaderboard and Continue buttons. */
export function showWinner(label) {
  const dialog = $('dlg-winner');
  $('dlg-winner-text').textContent = `Run Complete — Winner: ${label}`;
  if (!dialog.open) dialog.showModal();
}
