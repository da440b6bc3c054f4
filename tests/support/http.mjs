// fetch for the test harness: one connection per request, so no request races a server closing
// an idle kept-alive socket (which POSTs cannot safely retry).
import { Agent } from 'undici';

const freshConnections = new Agent({ pipelining: 0 });

export const fetchFresh = (url, init = {}) => fetch(url, { ...init, dispatcher: freshConnections });
