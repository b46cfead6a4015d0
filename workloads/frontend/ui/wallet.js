// Wallet sign-in with an injected EIP-1193 provider (UI.md §5): accounts, nonce,
// personal_sign of the server's exact message, verify, then the player refresh.
import { api, describeError, setToken } from './api.js';
import { emit, state } from './state.js';
import { hideNotice, notice } from './notice.js';
import { refreshPlayer } from './session.js';

let busy = false;

export async function signIn() {
  const provider = window.ethereum;
  if (!provider || typeof provider.request !== 'function') {
    notice('MetaMask not detected.', 'error');
    return;
  }
  if (busy) return;
  busy = true;
  try {
    let address = state.address;
    if (!address) {
      const accounts = await provider.request({ method: 'eth_requestAccounts' });
      address = Array.isArray(accounts) && typeof accounts[0] === 'string' ? accounts[0] : null;
      if (!address) {
        notice('No wallet account available.', 'error');
        return;
      }
    }
    state.connectingAddress = address;
    emit('player');
    const { message } = await api.nonce(address);
    if (typeof message !== 'string') throw new Error('The server sent no login message.');
    const signature = await provider.request({ method: 'personal_sign', params: [message, address] });
    const { token } = await api.verify(address, signature);
    if (typeof token !== 'string' || token === '') throw new Error('The server sent no token.');
    setToken(token);
    state.address = address;
    state.connectingAddress = null;
    if (await refreshPlayer({ userInitiated: true })) hideNotice();
  } catch (err) {
    notice(describeError(err), 'error');
  } finally {
    busy = false;
    state.connectingAddress = null;
    emit('player');
  }
}
