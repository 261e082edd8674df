'use strict';
// The worker's read-only console: polls /v1/pipeline for the pipeline view and reads /v1/users/{id} for the user
// inspector. No framework and nothing fetched from elsewhere: the worker serves these three files itself.

const pollMs = 2000;
const keepMs = 5 * 60 * 1000;
const history = new Map();   // topic -> [{ at, consumed, produced }]

const $ = (selector) => document.querySelector(selector);
const text = (value) => document.createTextNode(value === null || value === undefined ? '–' : String(value));
const fixed = (value, digits) => (value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toFixed(digits));

function row(cells, className) {
  const tr = document.createElement('tr');
  if (className) tr.className = className;
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.appendChild(cell);
    else td.appendChild(text(cell));
    if (typeof cell === 'number') td.className = 'num';
    tr.appendChild(td);
  }
  return tr;
}

function fill(table, rows) {
  const body = $(table + ' tbody');
  body.replaceChildren(...rows);
}

function sparkline(points) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 140 24');
  if (points.length > 1) {
    const max = Math.max(1, ...points);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', points.map((p, i) => `${(i * 140) / (points.length - 1)},${23 - (p / max) * 22}`).join(' '));
    svg.appendChild(line);
  }
  return svg;
}

function rates(topic, at) {
  const samples = history.get(topic.topic) ?? [];
  samples.push({ at, consumed: topic.consumed, produced: topic.produced });
  while (samples.length > 2 && at - samples[0].at > keepMs) samples.shift();
  history.set(topic.topic, samples);
  const perSecond = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].at - samples[i - 1].at) / 1000;
    perSecond.push({
      in: Math.max(0, samples[i].consumed - samples[i - 1].consumed) / seconds,
      out: Math.max(0, samples[i].produced - samples[i - 1].produced) / seconds,
    });
  }
  return perSecond;
}

function renderPipeline(view) {
  const at = Date.parse(view.instance.at);
  $('#instance').textContent = `${view.instance.application_id} · ${view.instance.process_id ?? 'starting'} · ${view.instance.state}`;

  fill('#topics', view.topics.map((topic) => {
    const series = rates(topic, at);
    const last = series.at(-1) ?? { in: null, out: null };
    const latency = topic.latency_ms ? `${fixed(topic.latency_ms.p50, 0)} / ${fixed(topic.latency_ms.p95, 0)} / ${fixed(topic.latency_ms.p99, 0)}` : '–';
    const since = topic.latency_ms?.since ? `since ${topic.latency_ms.since.slice(11, 19)}` : 'since start';
    const line = sparkline(series.map((s) => (topic.direction === 'in' ? s.in : s.out)));
    const tr = row([topic.topic, last.in === null ? null : Math.round(last.in), last.out === null ? null : Math.round(last.out), line, topic.dead_letters, latency]);
    if (topic.latency_ms) tr.lastChild.title = `${topic.latency_ms.count} outputs ${since}`;
    tr.dataset.topic = topic.topic;
    return tr;
  }));

  fill('#lag', view.lag.map((l) => row([l.topic, l.partition, l.records, fixed(l.seconds, 1), l.task], l.seconds > 60 ? 'bad' : '')));

  fill('#models', view.models.map((m) => {
    const c = m.candidate;
    const candidate = c ? `${c.version} ${c.mode}${c.share ? ` ${Math.round(c.share * 1000) / 10} %` : ''} · ${c.state.replaceAll('_', ' ')}${c.rollback_reason ? ` (${c.rollback_reason})` : ''}` : '–';
    const comparison = c && c.comparison ? `${c.comparison.compared} compared · drift ${fixed(c.comparison.drift, 3)} · agreement ${fixed(c.comparison.agreement * 100, 1)} %` : '–';
    const tr = row([m.model, `${m.serving ?? 'heuristic'}${m.pinned ? ' (pinned)' : ''}`, candidate, comparison], c && c.state === 'rolled_back' ? 'bad' : '');
    tr.dataset.model = m.model;
    return tr;
  }));
  const g = view.guardrail;
  $('#guardrail').className = g.active ? 'bad' : 'ok';
  $('#guardrail').textContent = `Fraud guardrail ${g.active ? 'ACTIVE: fraud flags held back' : 'off'} · high-risk share ${fixed(g.high_risk_share * 100, 1)} % of ${g.scores_in_window} scores in its window`;

  const counts = { running: 0, restoring: 0, standby: 0 };
  view.tasks.forEach((t) => { counts[t.state] += 1; });
  $('#task-summary').textContent = `${counts.running} running · ${counts.restoring} restoring · ${counts.standby} standby`;
  fill('#tasks', view.tasks.map((t) => row([t.id, t.state, t.partitions.join(', ')], t.state === 'restoring' ? 'bad' : '')));
  fill('#late', view.late_drops.map((d) => row([d.store, d.records])));
}

async function poll() {
  try {
    const response = await fetch('/v1/pipeline', { cache: 'no-store' });
    if (response.ok) renderPipeline(await response.json());
  } catch (error) {
    $('#instance').textContent = `unreachable: ${error.message}`;
  }
}

const horizons = [['last1m', '1 min'], ['last5m', '5 min'], ['last1h', '1 h'], ['last24h', '24 h']];
const countNames = ['events', 'page_views', 'product_views', 'searches', 'add_to_cart', 'purchases', 'payment_attempts', 'payment_failures', 'email_clicks', 'ad_clicks', 'purchase_value'];

function renderUser(state) {
  fill('#user-activity', (state.recent_activity ?? []).map((m) => row([
    m.minute.slice(0, 16).replace('T', ' '),
    Object.entries(m.events).map(([type, count]) => `${count} ${type.toLowerCase().replaceAll('_', ' ')}`).join(', '),
    m.items.join(', '),
    m.categories.join(', '),
  ])));
  fill('#user-decisions', (state.pending_decisions ?? []).map((d) => row([
    d.decision_id, d.at, d.chosen_action, d.model_id, d.window_end, d.rewards.length ? d.rewards.join(', ') : 'none yet'])));
  fill('#user-triggers', (state.sent_triggers ?? []).map((t) => row([t.kind.toLowerCase().replaceAll('_', ' '), t.subject, t.at])));
  const scores = state.scores ?? {};
  fill('#user-scores', ['fraud', 'propensity'].map((model) => {
    const s = scores[model];
    const tr = row(s ? [model, fixed(s.value, 4), s.model_version, s.scored_at, s.trigger_event_id ?? 'rescoring'] : [model, null, null, null, null]);
    tr.dataset.model = model;
    return tr;
  }));
  const attributes = state.attributes ?? {};
  fill('#user-attributes', Object.entries(attributes).map(([name, value]) => row([name, value])));
  const f = state.features;
  $('#user-features-asof').textContent = f ? `as of ${f.as_of} (the user's latest event)` : 'no features yet';
  const head = $('#user-features thead');
  head.replaceChildren(row(['horizon', ...countNames.map((n) => n.replaceAll('_', ' '))]));
  fill('#user-features', f ? horizons.map(([key, label]) => row([label, ...countNames.map((n) => f[key]?.[n])])) : []);
  fill('#user-session', f ? Object.entries(f.session ?? {}).map(([name, value]) => row([`session ${name.replaceAll('_', ' ')}`, value])) : []);
}

async function lookUp(user) {
  const status = $('#user-status');
  status.textContent = `looking up ${user}…`;
  $('#user-state').hidden = true;
  $('#user-forget').hidden = true;
  const response = await fetch(`/v1/users/${encodeURIComponent(user)}`, { cache: 'no-store' });
  const body = await response.json();
  if (response.status === 404) {
    status.textContent = `${user}: not found (never seen, or forgotten)`;
    status.dataset.outcome = 'absent';
    return;
  }

  if (!response.ok) {
    status.textContent = `${user}: ${body.error ?? response.statusText}`;
    status.dataset.outcome = 'error';
    return;
  }

  status.textContent = `${user} · answered by ${body.instance?.process_id ?? '?'} from its ${body.source} task · ${body.lag_records ?? 0} records behind`;
  status.dataset.outcome = 'found';
  renderUser(body);
  $('#user-state').hidden = false;
  $('#user-forget').hidden = !settings.allow_forget;
}

let settings = { allow_forget: false };

async function forgetShownUser() {
  const user = $('#user-id').value.trim();
  if (!user || !window.confirm(`Forget ${user}? Their state is deleted from every store and tombstoned on the compacted topics.`)) return;
  const response = await fetch(`/console/forget/${encodeURIComponent(user)}`, { method: 'POST' });
  const body = await response.json();
  $('#user-status').textContent = response.ok
    ? `forget request for ${user} written to ${body.topic} partition ${body.partition} at offset ${body.offset}; look the user up again in a moment`
    : `${user}: the forget request failed (${response.status})`;
  $('#user-forget').hidden = true;
}

function route() {
  const [view, user] = location.hash.replace(/^#/, '').split('/');
  const showUser = view === 'user';
  $('#pipeline').hidden = showUser;
  $('#user').hidden = !showUser;
  $('#nav-pipeline').classList.toggle('active', !showUser);
  $('#nav-user').classList.toggle('active', showUser);
  if (showUser && user) {
    const id = decodeURIComponent(user);
    $('#user-id').value = id;
    lookUp(id);
  }
}

$('#user-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const user = $('#user-id').value.trim();
  if (user) location.hash = `user/${encodeURIComponent(user)}`;
});
$('#forget-button').addEventListener('click', forgetShownUser);
window.addEventListener('hashchange', route);
fetch('/console/settings').then((r) => r.json()).then((s) => { settings = s; }).finally(route);
poll();
setInterval(poll, pollMs);
