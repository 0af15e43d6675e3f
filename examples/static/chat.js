// The chat page: log in (a signed cookie), then open a WebSocket to /rooms/<room>; the browser
// sends the cookie with the upgrade request, which the server checks like any request.
const $ = (id) => document.getElementById(id);
let socket = null;

function status(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function show(msg) {
  const li = document.createElement('li');
  li.textContent = `${msg.from}: ${msg.text}`;
  $('log').append(li);
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: $('name').value }),
  });
  if (!res.ok) return status('error', `login refused (${res.status})`);
  const url = new URL(`/rooms/${encodeURIComponent($('room').value)}`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(url);
  status('connecting', 'connecting…');
  socket.addEventListener('open', () => {
    status('open', `in ${$('room').value}`);
    $('say').hidden = false;
    if (auto.has('say')) socket.send(auto.get('say'));
  });
  socket.addEventListener('message', (ev) => show(JSON.parse(ev.data)));
  socket.addEventListener('close', (ev) => status('closed', `closed (${ev.code})`));
});

$('say').addEventListener('submit', (e) => {
  e.preventDefault();
  if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send($('text').value);
  $('text').value = '';
});

// `?name=ada&room=lobby&say=hi` joins and says hi by itself (the headless-browser test uses it).
const auto = new URLSearchParams(location.search);
if (auto.has('name')) {
  $('name').value = auto.get('name');
  if (auto.has('room')) $('room').value = auto.get('room');
  $('login').requestSubmit();
}
