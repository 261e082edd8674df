'use strict';
// The worker's read-only console: polls /v1/instances for the pipeline view and reads /console/users/{id} and its
// history (the query API's answers, on the console's port) for the user inspector. No framework and nothing fetched
// from elsewhere: the worker serves these three files itself.

const pollMs = 2000;
const keepMs = 5 * 60 * 1000;
const rateSamples = new Map();   // topic -> [{ at, consumed, produced }]

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

function rates(instance, topic, at) {
  const key = `${instance}/${topic.topic}`;
  const samples = rateSamples.get(key) ?? [];
  if (samples.length === 0 || samples.at(-1).at < at) samples.push({ at, consumed: topic.consumed, produced: topic.produced });
  while (samples.length > 2 && at - samples[0].at > keepMs) samples.shift();
  rateSamples.set(key, samples);
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

function renderPipeline(view, seriesOf) {
  $('#viewing').textContent = `Showing ${view.instance.process_id ?? 'this instance'} (${view.instance.state})`;
  fill('#topics', view.topics.map((topic) => {
    const series = seriesOf[topic.topic];
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

let shownInstance = null;   // the process id whose pipeline the panels show; the local one until another is clicked

function renderFleet(fleet) {
  const local = fleet.instances.find((i) => i.local);
  const app = local?.pipeline?.instance;
  $('#instance').textContent = app ? `${app.application_id} · this pod ${app.process_id} · ${app.state}` : 'starting';
  if (!fleet.instances.some((i) => i.process_id === shownInstance && i.pipeline)) shownInstance = local?.process_id ?? null;
  const seriesByInstance = {};
  fill('#instances', fleet.instances.map((i) => {
    const view = i.pipeline;
    const series = {};
    (view?.topics ?? []).forEach((topic) => { series[topic.topic] = rates(i.process_id, topic, Date.parse(view.instance.at)); });
    seriesByInstance[i.process_id] = series;
    const last = (topic) => series[topic]?.at(-1);
    const inRate = view ? view.topics.filter((t) => t.direction === 'in').reduce((sum, t) => sum + (last(t.topic)?.in ?? 0), 0) : null;
    const outRate = view ? view.topics.filter((t) => t.direction === 'out').reduce((sum, t) => sum + (last(t.topic)?.out ?? 0), 0) : null;
    const lag = view ? view.lag.reduce((sum, l) => sum + l.records, 0) : null;
    const lagSeconds = view ? Math.max(0, ...view.lag.map((l) => l.seconds ?? 0)) : null;
    const restoring = view ? view.tasks.filter((t) => t.state === 'restoring').length : null;
    const tr = row([
      `${i.process_id}${i.local ? ' (this pod)' : ''}`, i.endpoint ?? '–', view?.instance.state ?? i.error,
      i.active_tasks.length, restoring, i.standby_tasks.length,
      inRate === null ? null : Math.round(inRate), outRate === null ? null : Math.round(outRate), lag, fixed(lagSeconds, 1),
    ], [!view ? 'bad' : '', i.process_id === shownInstance ? 'selected' : ''].join(' ').trim());
    tr.dataset.instance = i.process_id;
    if (view) tr.addEventListener('click', () => { shownInstance = i.process_id; renderFleet(fleet); });
    return tr;
  }));
  const shown = fleet.instances.find((i) => i.process_id === shownInstance);
  if (shown?.pipeline) renderPipeline(shown.pipeline, seriesByInstance[shown.process_id]);
}

async function poll() {
  try {
    const response = await fetch('/v1/instances', { cache: 'no-store' });
    if (response.ok) renderFleet(await response.json());
  } catch (error) {
    $('#instance').textContent = `unreachable: ${error.message}`;
  }
}

const horizons = [['last1m', '1 min'], ['last5m', '5 min'], ['last1h', '1 h'], ['last24h', '24 h']];
const countNames = ['events', 'page_views', 'product_views', 'searches', 'add_to_cart', 'purchases', 'payment_attempts', 'payment_failures', 'email_clicks', 'ad_clicks', 'purchase_value'];

const time = (iso) => (iso ? iso.slice(0, 19).replace('T', ' ') : null);
const label = (symbol) => symbol.toLowerCase().replaceAll('_', ' ');
const versionColours = ['#2563eb', '#d97706', '#7c3aed', '#15803d', '#db2777'];

function renderUser(state) {
  const scores = state.scores ?? {};
  fill('#user-scores', ['fraud', 'propensity'].map((model) => {
    const s = scores[model];
    const tr = row(s ? [model, fixed(s.value, 4), s.model_version, time(s.scored_at), s.trigger_event_id ?? 'rescoring'] : [model, null, null, null, null]);
    tr.dataset.model = model;
    return tr;
  }));
  fill('#user-decisions', (state.pending_decisions ?? []).map((d) => row([
    d.decision_id, time(d.at), d.chosen_action, d.model_id, time(d.window_end), d.rewards.length ? d.rewards.join(', ') : 'none yet'])));
  const attributes = state.attributes ?? {};
  fill('#user-attributes', Object.entries(attributes).map(([name, value]) => row([name, value])));
  const f = state.features;
  $('#user-features-asof').textContent = f ? `as of ${f.as_of} (the user's latest event)` : 'no features yet';
  const head = $('#user-features thead');
  head.replaceChildren(row(['horizon', ...countNames.map((n) => n.replaceAll('_', ' '))]));
  fill('#user-features', f ? horizons.map(([key, name]) => row([name, ...countNames.map((n) => f[key]?.[n])])) : []);
  fill('#user-session', f ? Object.entries(f.session ?? {}).map(([name, value]) => row([`session ${name.replaceAll('_', ' ')}`, value])) : []);
}

function scoreChart(scores) {
  const width = 900;
  const height = 160;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 20}`);
  const times = scores.map((s) => Date.parse(s.as_of));
  const from = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - from);
  const x = (t) => 40 + ((t - from) / span) * (width - 50);
  const y = (v) => 5 + (1 - v) * height;
  const add = (name, attributes, content) => {
    const node = document.createElementNS('http://www.w3.org/2000/svg', name);
    Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
    if (content) node.textContent = content;
    svg.appendChild(node);
    return node;
  };
  [0, 0.5, 1].forEach((v) => {
    add('line', { x1: 40, x2: width - 10, y1: y(v), y2: y(v), class: 'grid' });
    add('text', { x: 0, y: y(v) + 4 }, v.toFixed(1));
  });
  const versions = [...new Set(scores.map((s) => `${s.model} ${s.model_version}`))].sort();
  for (const model of ['fraud', 'propensity']) {
    const points = scores.filter((s) => s.model === model).sort((a, b) => Date.parse(a.as_of) - Date.parse(b.as_of));
    if (points.length > 1) add('polyline', { class: model, points: points.map((s) => `${x(Date.parse(s.as_of))},${y(s.value)}`).join(' ') });
    for (const s of points) {
      const colour = versionColours[versions.indexOf(`${s.model} ${s.model_version}`) % versionColours.length];
      add('circle', { cx: x(Date.parse(s.as_of)), cy: y(s.value), r: 3, fill: colour }, null)
        .appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'title')).textContent = `${s.model} ${s.model_version}: ${s.value.toFixed(4)} at ${time(s.as_of)}`;
    }
  }
  add('text', { x: 40, y: height + 18 }, time(new Date(from).toISOString()));
  add('text', { x: width - 10, y: height + 18, 'text-anchor': 'end' }, time(new Date(from + span).toISOString()));
  const legend = document.createElement('p');
  legend.className = 'hint legend';
  versions.forEach((version, i) => {
    const swatch = document.createElement('span');
    swatch.style.background = versionColours[i % versionColours.length];
    legend.append(swatch, text(` ${version}  `));
  });
  legend.append(text('· solid line: fraud, dashed: propensity'));
  return [svg, legend];
}

function renderHistory(history) {
  const scanned = history.scanned ?? [];
  const partial = scanned.filter((s) => !s.complete && s.partition !== null);
  const oldest = scanned.map((s) => s.first_at).filter((t) => t).sort()[0];
  $('#user-history-scope').textContent = `Read back from the topics by ${history.instance?.process_id ?? '?'}: `
    + (partial.length === 0 ? 'everything the topics still hold for the user' : `${partial.map((s) => s.topic).join(', ')} searched from ${time(partial[0].first_at) ?? 'their end'} only`)
    + (oldest ? ` (records since ${time(oldest)})` : '') + '; newest first.';
  fill('#user-events', history.events.map((e) => row([time(e.timestamp), label(e.type), e.item_id, e.category, e.price === null ? null : fixed(e.price, 2), e.channel ? label(e.channel) : null, e.session_id])));
  const scores = [...history.fraud_scores, ...history.propensity_scores];
  $('#user-score-chart').replaceChildren(...(scores.length ? scoreChart(scores) : []));
  fill('#user-score-history', scores.sort((a, b) => Date.parse(b.as_of) - Date.parse(a.as_of)).map((s) => row([
    time(s.as_of), s.model, fixed(s.value, 4), s.model_version + (s.heuristic ? ' (heuristic)' : ''), s.trigger_event_id ?? 'rescoring', time(s.scored_at)])));
  fill('#user-attribute-history', history.attribute_changes.map((a) => {
    const tr = row([time(a.at), a.forgotten ? 'forgotten (tombstone)' : a.changes.map((c) => `${c.name}: ${c.old_value ?? '–'} → ${c.new_value ?? '–'}`).join('; ')]);
    tr.lastChild.className = 'wrap';
    return tr;
  }));
  fill('#user-joined', history.joined_decisions.map((d) => row([
    d.decision_id, time(d.decision_timestamp), d.chosen_action, fixed(d.probability, 3), d.model_id, d.reward, `${label(d.reward_source)} (${d.observations} obs.)`])));
  fill('#user-triggers', history.triggers.map((t) => row([
    label(t.kind), t.items.map((i) => i.name ?? i.item_id).join(', '),
    t.old_price !== null && t.new_price !== null ? `${fixed(t.old_price, 2)} → ${fixed(t.new_price, 2)}` : (t.cart_value !== null ? `cart ${fixed(t.cart_value, 2)}` : null),
    t.cause, time(t.created_at)])));
}

let lookups = 0;   // a lookup's answers are shown only if no later lookup has started

async function lookUp(user) {
  const lookup = ++lookups;
  const status = $('#user-status');
  status.textContent = `looking up ${user}…`;
  status.dataset.outcome = 'pending';
  $('#user-state').hidden = true;
  $('#user-forget').hidden = true;
  const path = `/console/users/${encodeURIComponent(user)}`;
  const [response, historyResponse] = await Promise.all([fetch(path, { cache: 'no-store' }), fetch(`${path}/history`, { cache: 'no-store' })]);
  const body = await response.json().catch(() => null);
  const history = historyResponse.ok ? await historyResponse.json() : null;
  if (lookup !== lookups) return;
  if (body === null) {
    status.textContent = `${user}: this pod does not serve user lookups (Queries__Enabled is false)`;
    status.dataset.outcome = 'error';
    return;
  }

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
  if (history) renderHistory(history);
  else $('#user-history-scope').textContent = `the history could not be read (${historyResponse.status})`;
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
