// Every string of the sessions page, one dictionary per language. French first.
// Dates and times go through Intl in the viewer's locale and time zone.

const fr = {
  'app.title': 'Mes sessions',
  'app.tagline': 'Vos sessions de coaching vidéo Edgemy',
  'app.loading': 'Chargement…',
  'app.retry': 'Réessayer',
  'app.error': 'Impossible de charger vos sessions.',
  'app.error.network': 'Le service ne répond pas. Vérifiez votre connexion.',
  'lang.label': 'Langue',
  'auth.signedOutTitle': 'Vous n’êtes pas connecté',
  'auth.signedOut': 'Connectez-vous sur Edgemy pour voir vos sessions.',
  'auth.login': 'Se connecter sur Edgemy',
  'auth.expiredTitle': 'Votre session a expiré',
  'auth.expired': 'Reconnectez-vous pour continuer.',
  'auth.signOut': 'Se déconnecter',
  'auth.signOutFailed': 'La déconnexion a échoué. Vous êtes toujours connecté ; réessayez.',
  'auth.signOutFailedNetwork': 'La déconnexion a échoué : le service ne répond pas. Vous êtes toujours connecté ; réessayez.',
  'auth.signedInAs': 'Connecté en tant que {name}',
  'dev.title': 'Connexion de démonstration',
  'dev.hint': 'Environnement de développement : choisissez un utilisateur de démonstration.',
  'dev.signInAs': 'Se connecter en tant que {name}',
  'dev.coach': 'coach',
  'dev.player': 'joueur',
  'list.coach': 'Avec mes joueurs',
  'list.player': 'Sessions réservées',
  'list.upcoming': 'À venir',
  'list.past': 'Passées',
  'pack.with': 'avec {name}',
  'pack.remaining': '{remaining} sessions restantes sur {size}',
  'pack.remainingOne': '1 session restante sur {size}',
  'pack.remainingNone': 'Toutes les sessions du pack sont réservées',
  'pack.expires': 'à réserver avant le {date}',
  'pack.cancelled': 'Pack annulé',
  'pack.expired': 'Pack expiré',
  'session.packIndex': 'Session {index}/{of}',
  'book.packHint': 'Pack de {size} sessions : votre première réservation achète le pack, les suivantes y puisent.',
  'book.packDone': 'Session réservée dans votre pack : {title}, le {date} à {time}.',
  'list.more': 'Voir plus de sessions',
  'list.empty': 'Aucune session pour l’instant.',
  'list.emptyPlayer': 'Aucune session pour l’instant. Réservez-en une ci-dessous.',
  'list.emptyPlayerPlatform': 'Aucune session pour l’instant. Les sessions que vous réservez avec un coach sur Edgemy apparaîtront ici.',
  'session.with': 'avec {name}',
  'session.duration': '{minutes} min',
  'session.status.confirmed': 'Confirmée',
  'session.status.cancelled': 'Annulée',
  'session.status.completed': 'Terminée',
  'session.join': 'Rejoindre la session',
  'session.opensIn': 'ouvre dans {delay}',
  'session.closed': 'Session terminée',
  'session.replay': 'Revoir la session',
  'session.replayN': 'Revoir la session ({n})',
  'session.joined': '{name} a rejoint',
  'session.absent': '{name} absent',
  'session.opened': 'Votre session avec {name} est ouverte : vous pouvez la rejoindre.',
  'session.cancelled': 'Session annulée',
  'session.linkedMissing': "La session de ce lien n'est pas dans vos listes : elle a peut-être été annulée, ou elle concerne un autre compte.",
  'session.discord': 'Discord',
  'session.discordMissing': 'Discord non connecté pour cette session',
  'session.cancel': 'Annuler la session',
  'session.rescheduled': 'Horaire modifié',
  'session.video.pending': 'Salle vidéo en préparation',
  'session.video.failed': 'Salle vidéo indisponible pour l’instant ; elle sera créée quand vous rejoindrez.',
  'cancel.title': 'Annuler la session ?',
  'cancel.text': 'Session avec {name}, {date} à {time}. Le créneau sera libéré.',
  'cancel.keep': 'Non, la garder',
  'cancel.confirm': 'Oui, annuler',
  'cancel.done': 'Session annulée.',
  'replay.title': 'Revoir la session',
  'replay.close': 'Fermer',
  'replay.error': 'Impossible de lire l’enregistrement. Il n’est peut-être plus disponible.',
  'delay.seconds': '{s} s',
  'delay.minutes': '{m} min',
  'delay.hours': '{h} h {mm}',
  'delay.days': '{d} j',
  'book.title': 'Réserver une session',
  'book.coach': 'avec {name}',
  'book.offer': 'Offre',
  'book.date': 'Date',
  'book.time': 'Heure de début',
  'book.submit': 'Réserver',
  'book.submitting': 'Réservation…',
  'book.done': 'Session réservée : {title}, le {date} à {time}.',
  'book.loadError': 'Les offres n’ont pas pu être chargées.',
  'call.title': 'Session vidéo',
  'call.connecting': 'Connexion à la session…',
  'call.leave': 'Quitter',
  'call.back': 'Retour aux sessions',
  'call.slow': 'La vidéo ne s’affiche pas ? Votre navigateur bloque peut-être les cadres tiers.',
  'call.newTab': 'Ouvrir dans un nouvel onglet',
  'error.exp-token': 'Votre accès à cette session a expiré.',
  'error.nbf-token': 'Il est trop tôt pour rejoindre cette session.',
  'error.meeting-full': 'La session est complète (deux participants au maximum).',
  'error.no-room': 'La salle de cette session n’existe plus.',
  'error.exp-room': 'La salle de cette session a expiré.',
  'error.ejected': 'La session est terminée : vous avez quitté la salle.',
  'error.connection-error': 'Connexion à la vidéo impossible. Vérifiez votre réseau puis réessayez.',
  'error.not-allowed': 'Accès à cette salle refusé.',
  'error.unknown': 'Une erreur est survenue.',
  'api.not_open_yet': 'La session n’est pas encore ouverte (ouverture à {time}).',
  'api.session_ended': 'Cette session est terminée.',
  'api.reservation_cancelled': 'Cette session a été annulée.',
  'api.reservation_not_found': 'Session introuvable.',
  'api.video_unavailable': 'Le service vidéo est momentanément indisponible. Réessayez dans un instant.',
  'api.video_error': 'Le service vidéo a refusé la demande.',
  'api.daily_not_configured': 'Le service vidéo n’est pas configuré.',
  'api.slot_taken': 'Ce créneau est déjà pris. Choisissez une autre heure.',
  'api.start_in_past': 'Choisissez un début dans le futur.',
  'api.duration_mismatch': 'La durée ne correspond pas à l’offre.',
  'api.announcement_inactive': 'Cette offre n’est plus proposée.',
  'api.cannot_book_self': 'Vous ne pouvez pas réserver votre propre offre.',
  'api.unauthenticated': 'Votre session a expiré. Reconnectez-vous.',
  'api.generic': 'Une erreur est survenue ({code}).',
};

const en = {
  'app.title': 'My sessions',
  'app.tagline': 'Your Edgemy video coaching sessions',
  'app.loading': 'Loading…',
  'app.retry': 'Try again',
  'app.error': 'Your sessions could not be loaded.',
  'app.error.network': 'The service is not answering. Check your connection.',
  'lang.label': 'Language',
  'auth.signedOutTitle': 'You are not signed in',
  'auth.signedOut': 'Sign in on Edgemy to see your sessions.',
  'auth.login': 'Sign in on Edgemy',
  'auth.expiredTitle': 'Your session has expired',
  'auth.expired': 'Sign in again to continue.',
  'auth.signOut': 'Sign out',
  'auth.signOutFailed': 'Signing out failed. You are still signed in; try again.',
  'auth.signOutFailedNetwork': 'Signing out failed: the service is not answering. You are still signed in; try again.',
  'auth.signedInAs': 'Signed in as {name}',
  'dev.title': 'Demo sign-in',
  'dev.hint': 'Development environment: pick a demo user.',
  'dev.signInAs': 'Sign in as {name}',
  'dev.coach': 'coach',
  'dev.player': 'player',
  'list.coach': 'With my players',
  'list.player': 'Sessions I booked',
  'list.upcoming': 'Upcoming',
  'list.past': 'Past',
  'pack.with': 'with {name}',
  'pack.remaining': '{remaining} of {size} sessions left',
  'pack.remainingOne': '1 of {size} sessions left',
  'pack.remainingNone': 'Every session of the pack is booked',
  'pack.expires': 'to book before {date}',
  'pack.cancelled': 'Pack cancelled',
  'pack.expired': 'Pack expired',
  'session.packIndex': 'Session {index}/{of}',
  'book.packHint': 'Pack of {size} sessions: your first booking buys the pack, the next ones use it.',
  'book.packDone': 'Session booked in your pack: {title}, on {date} at {time}.',
  'list.more': 'Show more sessions',
  'list.empty': 'No sessions yet.',
  'list.emptyPlayer': 'No sessions yet. Book one below.',
  'list.emptyPlayerPlatform': 'No sessions yet. Sessions you book with a coach on Edgemy will show up here.',
  'session.with': 'with {name}',
  'session.duration': '{minutes} min',
  'session.status.confirmed': 'Confirmed',
  'session.status.cancelled': 'Cancelled',
  'session.status.completed': 'Completed',
  'session.join': 'Join the session',
  'session.opensIn': 'opens in {delay}',
  'session.closed': 'Session over',
  'session.replay': 'Watch the replay',
  'session.replayN': 'Watch the replay ({n})',
  'session.joined': '{name} joined',
  'session.absent': '{name} absent',
  'session.opened': 'Your session with {name} is open: you can join it.',
  'session.cancelled': 'Session cancelled',
  'session.linkedMissing': 'The session of this link is not in your lists: it may have been cancelled, or it belongs to another account.',
  'session.discord': 'Discord',
  'session.discordMissing': 'Discord is not connected for this session',
  'session.cancel': 'Cancel the session',
  'session.rescheduled': 'Time changed',
  'session.video.pending': 'Video room being prepared',
  'session.video.failed': 'Video room unavailable for now; it will be created when you join.',
  'cancel.title': 'Cancel the session?',
  'cancel.text': 'Session with {name}, {date} at {time}. The slot will be freed.',
  'cancel.keep': 'No, keep it',
  'cancel.confirm': 'Yes, cancel',
  'cancel.done': 'Session cancelled.',
  'replay.title': 'Watch the replay',
  'replay.close': 'Close',
  'replay.error': 'The recording cannot be played. It may no longer be available.',
  'delay.seconds': '{s} s',
  'delay.minutes': '{m} min',
  'delay.hours': '{h} h {mm}',
  'delay.days': '{d} d',
  'book.title': 'Book a session',
  'book.coach': 'with {name}',
  'book.offer': 'Offer',
  'book.date': 'Date',
  'book.time': 'Start time',
  'book.submit': 'Book',
  'book.submitting': 'Booking…',
  'book.done': 'Session booked: {title}, on {date} at {time}.',
  'book.loadError': 'The offers could not be loaded.',
  'call.title': 'Video session',
  'call.connecting': 'Connecting to the session…',
  'call.leave': 'Leave',
  'call.back': 'Back to sessions',
  'call.slow': 'Video not showing? Your browser may block third-party frames.',
  'call.newTab': 'Open in a new tab',
  'error.exp-token': 'Your access to this session has expired.',
  'error.nbf-token': 'It is too early to join this session.',
  'error.meeting-full': 'The session is full (two participants at most).',
  'error.no-room': 'The room of this session no longer exists.',
  'error.exp-room': 'The room of this session has expired.',
  'error.ejected': 'The session is over: you have left the room.',
  'error.connection-error': 'Could not connect to the video. Check your network and try again.',
  'error.not-allowed': 'Access to this room was refused.',
  'error.unknown': 'Something went wrong.',
  'api.not_open_yet': 'The session is not open yet (opens at {time}).',
  'api.session_ended': 'This session is over.',
  'api.reservation_cancelled': 'This session was cancelled.',
  'api.reservation_not_found': 'Session not found.',
  'api.video_unavailable': 'The video service is briefly unavailable. Try again in a moment.',
  'api.video_error': 'The video service refused the request.',
  'api.daily_not_configured': 'The video service is not configured.',
  'api.slot_taken': 'This slot is taken. Pick another time.',
  'api.start_in_past': 'Pick a start in the future.',
  'api.duration_mismatch': 'The duration does not match the offer.',
  'api.announcement_inactive': 'This offer is no longer available.',
  'api.cannot_book_self': 'You cannot book your own offer.',
  'api.unauthenticated': 'Your session has expired. Sign in again.',
  'api.generic': 'Something went wrong ({code}).',
};

export const dictionaries = { fr, en };
export const LOCALES = ['fr', 'en'];
const STORAGE_KEY = 'edgemy.locale';

let locale = 'fr';

export function getLocale() {
  return locale;
}

export function setLocale(next) {
  locale = LOCALES.includes(next) ? next : 'fr';
  document.documentElement.lang = locale;
}

/** The language the viewer chose with the switch, if any (a preference, not a secret). */
export function savedLocale() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveLocale(value) {
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    /* private mode: the switch still works for this page */
  }
}

export function t(key, vars = {}) {
  const text = dictionaries[locale][key] ?? dictionaries.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

const intlLocale = () => (locale === 'fr' ? 'fr-FR' : 'en-GB');

export function formatDate(iso) {
  return new Intl.DateTimeFormat(intlLocale(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso));
}

export function formatTime(iso) {
  return new Intl.DateTimeFormat(intlLocale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "12 min", "2 h 05", "3 j": how long until `ms` milliseconds have passed. */
export function formatDelay(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return t('delay.seconds', { s });
  const m = Math.ceil(s / 60);
  if (m < 60) return t('delay.minutes', { m });
  if (m < 24 * 60) return t('delay.hours', { h: Math.floor(m / 60), mm: String(m % 60).padStart(2, '0') });
  return t('delay.days', { d: Math.floor(m / (24 * 60)) });
}
