// A chat client as an app would write it with calimero-socket: every batch feeds the
// (fake) node, and each list is refetched only when its refresh flag was raised.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useBatches, useRefreshFlags } from "calimero-socket/react";
import { FakeChatBackend } from "./backend.js";
import { COLORS, FLAG_ORDER } from "../dashboard/plots.jsx";

const AVATAR = ["#38bdf8", "#f472b6", "#a78bfa", "#4ade80", "#facc15", "#fb923c", "#22d3ee", "#e879f9", "#f87171", "#a3e635"];
function hue(name = "") {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return AVATAR[h % AVATAR.length];
}
export function Avatar({ name, className = "" }) {
  return (
    <span className={`av ${className}`} style={{ background: hue(name) }}>
      {(name ?? "?").slice(0, 1).toUpperCase()}
    </span>
  );
}
const clock = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function FetchCounter({ flag, count, framesPerFetch }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || count === 0) return;
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }, [count]);
  return (
    <div ref={ref} className="fetch" style={{ "--c": COLORS[flag] }} data-testid={`fetch-${flag}`}>
      <b>{count}</b>
      <span>{flag} fetches</span>
      <small>{framesPerFetch ? `1 per ${framesPerFetch} frames` : "\u00a0"}</small>
      <div className="bar" />
    </div>
  );
}

export function ChatApp({ protocol }) {
  const backend = useMemo(() => new FakeChatBackend(), []);
  const [channels, setChannels] = useState([]);
  const [messages, setMessages] = useState([]);
  const [dms, setDms] = useState([]);
  const [members, setMembers] = useState([]);
  const [fetches, setFetches] = useState(backend.fetches);
  const [frames, setFrames] = useState(0);
  const [selected, setSelected] = useState("general");
  const [lastRead, setLastRead] = useState({});

  // The node's side: every event of every batch goes into the fake database. Nothing
  // on screen changes here: the views below only change when they fetch.
  useBatches(
    useCallback(
      (batch) => {
        backend.ingest(batch.events);
        setFrames((n) => n + batch.size);
      },
      [backend],
    ),
  );

  const fetchChannels = useCallback(async () => setChannels(await backend.fetchChannels()), [backend]);
  const fetchMessages = useCallback(async () => setMessages(await backend.fetchMessages()), [backend]);
  const fetchDms = useCallback(async () => setDms(await backend.fetchDms()), [backend]);
  const fetchMembers = useCallback(async () => setMembers(await backend.fetchMembers()), [backend]);

  // The app's side: one refetch per raised flag per batch (all of them on a resync).
  useRefreshFlags({ channels: fetchChannels, messages: fetchMessages, dms: fetchDms, members: fetchMembers });

  // The first load, as any app does it on mount.
  useEffect(() => {
    fetchChannels();
    fetchMessages();
    fetchDms();
    fetchMembers();
  }, [fetchChannels, fetchMessages, fetchDms, fetchMembers]);

  useEffect(() => backend.onFetch(() => setFetches({ ...backend.fetches })), [backend]);

  const totalFetches = FLAG_ORDER.reduce((s, f) => s + fetches[f], 0);
  const naive = frames * 4; // a client refetching every list on every frame

  const inChannel = messages.filter((m) => m.channel === selected);
  const shown = inChannel.slice(-14);
  const unread = useMemo(() => {
    const counts = {};
    for (const m of messages) if (m.at > (lastRead[m.channel] ?? 0) && m.channel !== selected) counts[m.channel] = (counts[m.channel] ?? 0) + 1;
    return counts;
  }, [messages, lastRead, selected]);
  const current = channels.find((c) => c.name === selected);
  const select = (name) => {
    setLastRead((r) => ({ ...r, [selected]: Date.now(), [name]: Date.now() }));
    setSelected(name);
  };
  const now = Date.now();

  return (
    <section className="card chat" data-testid="chat">
      <div className="titlebar">
        <i style={{ background: "#f87171" }} />
        <i style={{ background: "#fbbf24" }} />
        <i style={{ background: "#4ade80" }} />
        <span className="t">
          chat app · refetches only on refresh flags · {protocol === "json" ? "/json" : "/ws (Calimero)"}
        </span>
      </div>
      <div className="fetchbar">
        {FLAG_ORDER.map((f) => (
          <FetchCounter key={f} flag={f} count={fetches[f]} framesPerFetch={fetches[f] > 1 && frames > 0 ? Math.max(1, Math.round(frames / fetches[f])) : 0} />
        ))}
      </div>
      <div className="fetchnote">
        <b className="num">{frames.toLocaleString()}</b> frames in → <b className="num">{totalFetches.toLocaleString()}</b> list fetches
        {frames > 0 && (
          <>
            {" "}
            (a refetch-per-frame client: <b className="num">{naive.toLocaleString()}</b>)
          </>
        )}
      </div>
      <div className="chatbody">
        <nav className="side">
          <h3>
            Channels <span className="num">{channels.length}</span>
          </h3>
          <ul data-testid="channels">
            {channels.map((c) => (
              <li key={c.name} className={c.name === selected ? "on" : ""} onClick={() => select(c.name)} title={c.topic}>
                <span className="hash">#</span>
                <span className="name">{c.name}</span>
                {c.isNew && now - c.createdAt < 20000 && <span className="new">new</span>}
                {unread[c.name] > 0 && <span className="badge num">{unread[c.name] > 99 ? "99+" : unread[c.name]}</span>}
              </li>
            ))}
          </ul>
          <h3>
            Direct messages <span className="num">{dms.length}</span>
          </h3>
          <ul data-testid="dms">
            {dms.map((d) => (
              <li key={d.id} className="dm">
                <span className="peers">
                  {(d.peers.length ? d.peers : ["?"]).slice(0, 2).map((p, i) => (
                    <Avatar key={i} name={p} />
                  ))}
                </span>
                <span className="name">
                  {" "}
                  {d.peers.join(", ") || "conversation"}
                  <small>{d.note}</small>
                </span>
              </li>
            ))}
            {dms.length === 0 && <li className="muted">no conversations yet</li>}
          </ul>
        </nav>
        <div className="msgs">
          <div className="chanhead">
            <b># {selected}</b>
            <small>
              {current?.topic || "—"} · {current?.memberCount ?? 0} members · {inChannel.length} messages loaded
            </small>
          </div>
          <div className="msglist" data-testid="messages">
            {shown.map((m) => (
              <div key={m.id} className="msg">
                <Avatar name={m.sender} />
                <div className="body">
                  <div className="who" style={{ color: hue(m.sender) }}>
                    {m.sender}
                    {m.thread && <span className="thread">↳ in thread</span>}
                    <time>{clock(m.at)}</time>
                  </div>
                  <div className="text">{m.text}</div>
                  {Object.keys(m.reactions).length > 0 && (
                    <div className="reacts">
                      {Object.entries(m.reactions).map(([e, n]) => (
                        <span key={e}>
                          {e} {n}
                        </span>
                      ))}
                    </div>
                  )}
                </div>
              </div>
            ))}
            {shown.length === 0 && <div className="muted">waiting for messages…</div>}
          </div>
        </div>
        <aside className="members">
          <h3>
            Members <span className="num">{members.length}</span>
          </h3>
          <ul data-testid="members">
            {members.slice(0, 22).map((m) => (
              <li key={m.user} className={now - m.lastSeen < 15000 ? "live" : ""}>
                <Avatar name={m.user} />
                <span>
                  {m.user}
                  <small>{m.username !== m.user ? m.username : m.lastSeen ? `active ${Math.max(0, Math.round((now - m.lastSeen) / 1000))}s ago` : "away"}</small>
                </span>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </section>
  );
}
