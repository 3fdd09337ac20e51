// IRC line parsing and a small client over lobbyd's WebSocket endpoint (/ws,
// subprotocol text.ircv3.net: one line per text frame, no CRLF).
// parse() and the helpers are pure so that web/test can check them in node.

/** Parses one IRC line into {tags, source, nick, command, params}. */
export function parse(line) {
  let rest = line.replace(/\r?\n$/, '');
  const msg = { tags: {}, source: null, nick: null, command: '', params: [] };
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    for (const kv of rest.slice(1, sp < 0 ? undefined : sp).split(';')) {
      const eq = kv.indexOf('=');
      if (eq < 0) msg.tags[kv] = true;
      else msg.tags[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    rest = sp < 0 ? '' : rest.slice(sp + 1).trimStart();
  }
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    msg.source = rest.slice(1, sp < 0 ? undefined : sp);
    msg.nick = msg.source.split('!')[0];
    rest = sp < 0 ? '' : rest.slice(sp + 1).trimStart();
  }
  const trail = rest.indexOf(' :');
  let head = rest;
  let trailing = null;
  if (rest.startsWith(':')) { head = ''; trailing = rest.slice(1); }
  else if (trail >= 0) { head = rest.slice(0, trail); trailing = rest.slice(trail + 2); }
  const words = head.split(' ').filter((w) => w.length > 0);
  msg.command = (words.shift() || '').toUpperCase();
  msg.params = words;
  if (trailing !== null) msg.params.push(trailing);
  return msg;
}

/** CASEMAPPING=ascii: only A-Z fold. */
export function fold(name) {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function isLobby(name) { return name.startsWith('#'); }
export function isTable(name) { return name.startsWith('&'); }

/** The SASL PLAIN payload: base64("\0account\0password") of the UTF-8 bytes. */
export function saslPlain(account, password) {
  const bytes = new TextEncoder().encode(`\0${account}\0${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** A lobbyd nick: what the server accepts (NICKLEN=30, IRC nick characters). */
export function validNick(nick) {
  return /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/.test(nick);
}

/** The ws(s)://host/ws URL that belongs to a page served from `location`. */
export function wsUrl(loc) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

/**
 * One connection to lobbyd. Emits every parsed line to onLine, and does the
 * registration dance (guest, SASL account, or guest + REGISTER) itself.
 */
export class IrcClient {
  constructor(url, { onLine, onState, WebSocketImpl } = {}) {
    this.url = url;
    this.onLine = onLine || (() => {});
    this.onState = onState || (() => {});
    this.WebSocketImpl = WebSocketImpl || globalThis.WebSocket;
    this.ws = null;
    this.nick = null;
    this.registered = false;
  }

  /**
   * mode: 'guest' (NICK/USER), 'login' (SASL PLAIN) or 'register'
   * (REGISTER after welcome; lobbyd logs the new account in).
   */
  connect({ nick, mode = 'guest', password = '' }) {
    this.nick = nick;
    this.mode = mode;
    this.password = password;
    const ws = new this.WebSocketImpl(this.url, ['text.ircv3.net']);
    this.ws = ws;
    ws.onopen = () => {
      this.onState('open');
      if (mode === 'login') this.send('CAP REQ :sasl');
      this.send(`NICK ${nick}`);
      this.send(`USER ${nick.slice(0, 10)} 0 * :${nick}`);
    };
    ws.onmessage = (ev) => {
      // One line per frame, but tolerate several in one (CRLF separated).
      for (const raw of String(ev.data).split(/\r?\n/)) {
        if (raw.length) this.handle(parse(raw), raw);
      }
    };
    ws.onclose = (ev) => { this.registered = false; this.onState('closed', ev.reason || `code ${ev.code}`); };
    ws.onerror = () => this.onState('error');
  }

  handle(msg, raw) {
    switch (msg.command) {
      case 'PING':
        this.send(`PONG :${msg.params[msg.params.length - 1] || ''}`);
        break;
      case 'CAP': {
        const sub = (msg.params[1] || '').toUpperCase();
        if (sub === 'ACK' && /\bsasl\b/.test(msg.params[2] || '')) this.send('AUTHENTICATE PLAIN');
        else if (sub === 'NAK') this.send('CAP END'); // onLine reports the refusal
        break;
      }
      case 'AUTHENTICATE':
        if (msg.params[0] === '+') this.send(`AUTHENTICATE ${saslPlain(this.nick, this.password)}`);
        break;
      case '903': case '904': case '905': case '906': case '907':
        this.send('CAP END');
        break;
      case '001':
        this.registered = true;
        this.nick = msg.params[0];
        // Trailing form: a password may contain spaces.
        if (this.mode === 'register') this.send(`REGISTER ${this.nick} * :${this.password}`);
        break;
      case 'NICK':
        if (msg.nick && fold(msg.nick) === fold(this.nick || '')) this.nick = msg.params[0];
        break;
      default:
        break;
    }
    this.onLine(msg, raw);
  }

  send(line) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    // A line with CR/LF would be two commands: never let user text do that.
    this.ws.send(line.replace(/[\r\n]+/g, ' '));
    return true;
  }

  close(reason = 'bye') {
    if (this.ws && this.ws.readyState === 1) this.send(`QUIT :${reason}`);
    if (this.ws) this.ws.close();
  }
}
