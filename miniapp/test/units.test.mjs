// Unit tests of the app's logic (key/tempo arithmetic, launch parameters, queue moves, error messages,
// routes, the order of session commands and reads against a stand-in API). Run: npm run test:unit
// (bundles test/units.ts for Node, then node --test).
import assert from "node:assert/strict";
import { test } from "node:test";

const memory = new Map();
globalThis.localStorage = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)) };
globalThis.location = { pathname: "/", search: "", origin: "http://x" };
globalThis.window = { addEventListener() {} };
const u = await import("../.unit/units.js");

test("keys transpose by whole semitones, flats for black keys", () => {
  assert.equal(u.transposeKey("A minor", 3), "C minor");
  assert.equal(u.transposeKey("C major", -1), "B major");
  assert.equal(u.transposeKey("F# minor", 1), "G minor");
  assert.equal(u.transposeKey("Eb major", 12), "Eb major");
  assert.equal(u.transposeKey("A minor", 2.6), "C minor", "rounded to the nearest semitone");
  assert.equal(u.transposeKey("nonsense", 1), null);
  assert.equal(u.transposeKey(null, 1), null);
});

test("settings are clamped to what the render API accepts", () => {
  assert.deepEqual(u.clampSettings({ semitones: 14, cents: -70, tempo: 2.345, formant: 1 }), { semitones: 12, cents: -50, tempo: 2, formant: true });
  assert.deepEqual(u.clampSettings({ semitones: -3.4, cents: 12.6, tempo: 0.1, formant: false }), { semitones: -3, cents: 13, tempo: 0.5, formant: false });
  assert.equal(u.isNeutral(u.NEUTRAL), true);
  assert.equal(u.shiftSemitones({ semitones: 3, cents: -25, tempo: 1, formant: false }), 2.75);
  assert.equal(u.scaledBpm(120, 1.25), 150);
  assert.equal(u.scaledBpm(null, 1.25), null);
});

test("rendered seconds follow the segment plan (five of 0.5 s, then 2 s)", () => {
  assert.deepEqual([0, 1, 5, 6, 10].map(u.renderedSeconds), [0, 0.5, 2.5, 4.5, 12.5]);
  assert.equal(u.formatTime(125.9), "2:05");
  assert.equal(u.formatTime(Number.NaN), "0:00");
});

test("launch parameters come from the hash, start_param from either place", () => {
  const init = new URLSearchParams({ user: '{"id":1}', start_param: "playlist_abc", hash: "h" }).toString();
  const hash = `#${new URLSearchParams({ tgWebAppData: init, tgWebAppVersion: "8.0", tgWebAppPlatform: "web" })}`;
  assert.deepEqual(u.fromHash(hash), { initData: init, startParam: "playlist_abc", platform: "web" });
  assert.equal(u.fromHash("#tgWebAppVersion=8.0"), null);
  assert.equal(u.routeOfStartParam("playlist_0b7c-11"), "/playlist/0b7c-11");
  assert.equal(u.routeOfStartParam("track_t1"), "/track/t1");
  assert.equal(u.routeOfStartParam("playlist_../x"), null);
  assert.equal(u.routeOfStartParam(null), null);
});

test("routes", () => {
  assert.deepEqual(u.parseRoute("/playlist/p1"), { name: "playlist", id: "p1" });
  assert.deepEqual(u.parseRoute("/search", "?add=p1"), { name: "search", addTo: "p1" });
  assert.deepEqual(u.parseRoute("/album/Night%20Drive"), { name: "album", album: "Night Drive" });
  assert.deepEqual(u.parseRoute("/artist/AC%2FDC"), { name: "artist", artist: "AC/DC" });
  assert.deepEqual(u.parseRoute("/nowhere"), { name: "home" });
});

test("a move is sent as the item it goes after (null: to the front)", () => {
  const ids = ["a", "b", "c", "d"];
  assert.equal(u.afterItem(ids, 1, 3), "d", "down to the end: after the last");
  assert.equal(u.afterItem(ids, 3, 0), null, "to the top");
  assert.equal(u.afterItem(ids, 0, 1), "b", "one down: after the next one");
  assert.equal(u.afterItem(ids, 2, 1), "a", "one up: after the one before the neighbour");
});

test("a preloaded next track is stale once the queue, its modes or the current item change", () => {
  const q = { items: [{ item_id: "a" }, { item_id: "b" }], repeat: "off", shuffle: false, now: { item_id: "a" } };
  const same = u.queueSignature({ ...q, items: [{ item_id: "a", title: "renamed" }, { item_id: "b" }] });
  assert.equal(u.queueSignature(q), same, "titles and availability do not choose the next item");
  for (const changed of [
    { ...q, items: [{ item_id: "b" }, { item_id: "a" }] },
    { ...q, repeat: "one" },
    { ...q, shuffle: true },
    { ...q, now: { item_id: "b" } },
    { ...q, now: null },
  ]) assert.notEqual(u.queueSignature(changed), u.queueSignature(q), JSON.stringify(changed));
});

test("the device id is chosen once and kept", () => {
  const first = u.deviceId(localStorage);
  assert.match(first, /^[0-9a-f-]{36}$/);
  assert.equal(u.deviceId(localStorage), first);
});

test("errors read as sentences, never JSON", () => {
  assert.equal(u.humanMessage(404, { reason: "playlist_not_found" }).message, "This playlist does not exist any more.");
  assert.equal(u.humanMessage(413, null).message, "The file is too large to upload.");
  assert.match(u.humanMessage(500, { detail: "boom" }).message, /server had a problem/);
  assert.equal(u.humanMessage(418, { detail: "x" }).message, "Something went wrong. Please try again.");
});

test("reads wait for the newest version of an aggregate, whichever answer came back last", () => {
  const book = new u.TokenBook();
  assert.equal(book.token, null);
  book.remember({ aggregate_id: "session", version: 7, consistency_token: "s7" });
  book.remember({ aggregate_id: "session", version: 6, consistency_token: "s6" });
  assert.equal(book.token, "s7", "an older version answering late does not take the read back");
  book.remember({ aggregate_id: "playlist", version: 2, consistency_token: "p2" });
  assert.equal(book.token, "p2", "another aggregate's newer command is the one reads wait for");
  book.remember({ aggregate_id: "session", version: 6, consistency_token: "s6" });
  assert.equal(book.token, "p2");
  book.remember({ consistency_token: "signed-in" });
  assert.equal(book.token, "signed-in", "a token without a version (sign-in, upload) is taken as it comes");
  book.remember({ consistency_token: null });
  book.remember(null);
  assert.equal(book.token, "signed-in");
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("tasks run one after another in the order handed in, also after a failure", async () => {
  const order = new u.InOrder();
  const seen = [];
  const slow = order.run(async () => { await sleep(20); seen.push("slow"); return 1; });
  const failing = order.run(async () => { seen.push("failing"); throw new Error("refused"); });
  const fast = order.run(async () => { seen.push("fast"); return 3; });
  assert.equal(await slow, 1);
  await assert.rejects(failing, /refused/);
  assert.equal(await fast, 3);
  assert.deepEqual(seen, ["slow", "failing", "fast"]);
});

test("only a read newer than every applied one is applied", () => {
  const reads = new u.NewestRead();
  const first = reads.begin();
  const second = reads.begin();
  assert.equal(reads.settle(second), true);
  assert.equal(reads.settle(first), false, "the older read answered last");
  const third = reads.begin();
  assert.equal(reads.settle(third), true);
});

/** A stand-in for the session API on a network that takes ``delay(method, path)`` ms: a command that long
 * to arrive (the server decides commands in the order they arrive, not the order they were sent), a read
 * that long to answer (it holds the state of when it was read). */
function fakeSession(delay) {
  const server = { repeat: "off", shuffle: false, now: null, arrived: [], refuse: false };
  globalThis.fetch = async (path, init) => {
    const method = init?.method ?? "GET";
    const reply = (status, body) => ({ ok: status < 300, status, json: async () => body });
    if (method === "GET") {
      const answer = read(path);
      await sleep(delay(method, path));
      return answer;
    }
    await sleep(delay(method, path));
    if (method === "PUT") {
      const body = JSON.parse(init.body);
      server.arrived.push(body.mode ?? body.enabled);
      if (server.refuse) return reply(409, { reason: "conflict", detail: "refused" });
      if (path.endsWith("/repeat")) server.repeat = body.mode; else server.shuffle = body.enabled;
      return reply(202, { aggregate_id: "session", version: server.arrived.length, consistency_token: `t${server.arrived.length}` });
    }
    return reply(404, { reason: "not_found" });
  };
  const read = (path) => {
    const reply = (body) => ({ ok: true, status: 200, json: async () => structuredClone(body) });
    if (path.startsWith("/v1/me/session")) {
      return reply({ now_playing: server.now, repeat: server.repeat, shuffle: server.shuffle, this_device_active: null, device_id: null });
    }
    return reply({ data: [], current_index: null });
  };
  return server;
}

test("two quick taps on repeat reach the server in order and the screen ends on the second", async () => {
  let puts = 0;
  // The first command travels slowly, the second quickly: sent side by side, "one" would arrive first.
  const server = fakeSession((method) => (method === "PUT" ? (++puts === 1 ? 40 : 2) : 1));
  const queue = new u.ServerQueue();
  const shown = [];
  queue.state.subscribe((s) => { if (shown.at(-1) !== s.repeat) shown.push(s.repeat); });
  const taps = [queue.setRepeat("all"), queue.setRepeat("one")];
  await Promise.all(taps);
  assert.deepEqual(server.arrived, ["all", "one"]);
  assert.equal(server.repeat, "one");
  assert.equal(queue.state.get().repeat, "one");
  assert.deepEqual(shown, ["all", "one"], "the button never shows an older mode again");
});

test("a refused mode change shows the server's mode again and says so", async () => {
  const server = fakeSession(() => 1);
  server.refuse = true;
  const queue = new u.ServerQueue();
  await assert.rejects(queue.setShuffle(true), (e) => e.status === 409);
  assert.equal(queue.state.get().shuffle, false);
});

test("a session read answering after a newer one does not take the screen back", async () => {
  let reads = 0;
  const server = fakeSession((method, path) => (path.startsWith("/v1/me/session") && ++reads === 1 ? 40 : 1));
  const queue = new u.ServerQueue();
  server.now = { item_id: "a", track_id: "t", playing: true, position_ms: 0, original_position_ms: 0, asset_key: null, tempo: 1 };
  const older = queue.refresh();
  await sleep(10);  // the older read is on the wire with "a"; the session moves on to "b"
  server.now = { ...server.now, item_id: "b" };
  await queue.refresh();
  await older;
  assert.equal(queue.state.get().now.item_id, "b");
});
