// Generated from baton-protocol by `cargo test -p baton-protocol --all-features` with BATON_BLESS=1; do not edit.
//
// The Baton wire protocol, v1: one JSON object per WebSocket text frame,
// tagged by `type`. The frame unions below list the shapes a v1 peer sends.
// A receiver must also tolerate what a newer peer may add within v1:
// - unknown fields: ignore them;
// - an unknown frame `type`: ignore the frame;
// - an unknown event `type` inside an `event`: keep it in the log (its `seq`
//   still counts, so the log stays gapless) but do not render it;
// - an unknown enum value (error `code`, `state`, `status`, `presence`,
//   `role`): treat it as "unknown".
// Numbers (`seq`, timestamps in ms since the Unix epoch, durations in ms)
// are plain JSON numbers and stay below 2^53.

/**
 * Which choices a visitor gets when a request lapses (a per-bot setting).
 */
export type AfterLapse = { 
/**
 * Keep waiting: a new response window.
 */
keep_waiting: boolean, 
/**
 * Leave an email and a message for a reply.
 */
leave_message: boolean, 
/**
 * Go back to the assistant.
 */
back_to_bot: boolean, };

export type Alert = { kind: AlertKind, conversation?: ConversationId | null, bot?: BotId | null, 
/**
 * The visitor's label, as in the list row.
 */
visitor?: string | null, 
/**
 * The teammate who caused it (who transferred, took over, set you Offline).
 */
by?: OperatorProfile | null, 
/**
 * A preview: the visitor's last message.
 */
text?: string | null, };

/**
 * What an alert is about.
 */
export type AlertKind = "help_requested" | "new_chat" | "unclaimed" | "transferred_to_you" | "taken_over" | "visitor_ended" | "owner_gone" | "auto_away" | "set_offline";

/**
 * One operator's choice of alerts. Kinds about the operator themselves
 * (transfers to them, take-overs, status changes) are always sent.
 */
export type AlertPrefs = { help_requested: boolean, new_chat: boolean, unclaimed: boolean, owner_gone: boolean, 
/**
 * Show a browser notification while the inbox is hidden.
 */
browser: boolean, 
/**
 * Play a short sound.
 */
sound: boolean, };

/**
 * Who wrote a chat message.
 */
export type Author = { "role": "visitor" } | { "role": "bot" } | { "role": "operator", operator: OperatorProfile, };

/**
 * What the widget needs to decide whether to show "Talk to a human".
 */
export type Availability = { 
/**
 * At least one operator is Available for this bot.
 */
human_available: boolean, 
/**
 * The button label configured for this bot.
 */
button_label: string, 
/**
 * Shown instead of the button while nobody is available.
 */
offline_message: string, 
/**
 * Whether the widget shows the button at all (the bot may still offer
 * a person inline). Omitted when true.
 */
show_button?: boolean, 
/**
 * The choices a lapse offers (§7.15). Omitted when all three are.
 */
after_lapse?: AfterLapse, 
/**
 * Whether the widget asks for a rating after a person resolves the
 * chat (§7.15). Omitted when true.
 */
rating?: boolean, };

/**
 * A paragraph or a list. Blocks are separated by blank lines or by a change
 * between paragraph lines, bullet items and numbered items.
 */
export type Block = { "type": "paragraph", children: Array<Inline>, } | { "type": "bullets", items: Array<Array<Inline>>, } | { "type": "numbered", start: number, items: Array<Array<Inline>>, };

export type BotCount = { bot: BotId, available: number, total: number, };

/**
 * A bot (one site's assistant). Settings, operators' access and the
 * allowed visitor origins are per bot.
 */
export type BotId = string;

export type BotInfo = { id: BotId, name: string, };

/**
 * How a bot works with people.
 */
export type BotMode = "assisted" | "human_only";

/**
 * Chosen by the sender of a message and reused on every retry of it, so
 * the server can recognise a retry and answer with the original ack. A
 * client's id is 1 to 64 bytes of UTF-8; ASCII is recommended (the
 * schema's `maxLength` counts characters, the limit counts bytes).
 */
export type ClientMsgId = string;

/**
 * One persisted event of a conversation.
 */
export type ConversationEvent = { seq: Seq, at: Timestamp, body: EventBody, };

/**
 * A conversation, issued by the server when a visitor first says hello.
 */
export type ConversationId = string;

/**
 * One row of the conversation list.
 */
export type ConversationSummary = { id: ConversationId, bot: BotId, 
/**
 * A label for the visitor: their name if identified, else "Visitor 3f9a".
 */
visitor: string, state: HandoverState, last_message?: string | null, last_activity: Timestamp, 
/**
 * When the visitor last asked for a person (time since handoff).
 */
help_requested_at?: Timestamp | null, 
/**
 * Messages from the visitor this operator has not read.
 */
unread: number, presence: VisitorPresence, country?: Country | null, 
/**
 * The visitor's email, when the host page identified them.
 */
email?: string | null, 
/**
 * The widget's language (`navigator.language`).
 */
locale?: string | null, 
/**
 * The page the visitor is on (from their latest `hello`).
 */
page?: string | null, 
/**
 * While it waits: why the bot asked for a person (§7.14).
 */
reason?: string | null, 
/**
 * While it waits: how urgent the request is; the Waiting view puts
 * higher first (`queue::order`).
 */
priority?: Priority, 
/**
 * The visitor left a message nobody has answered by email yet: the
 * "Left a message" view (§7.15).
 */
left_message?: boolean, 
/**
 * The visitor's rating of the chat, 1–5.
 */
rating?: number | null, };

/**
 * The visitor's country, for the flag in the list.
 */
export type Country = { 
/**
 * ISO 3166-1 alpha-2, upper case.
 */
code: string, 
/**
 * True when guessed from the browser's locale rather than known from
 * a trusted proxy header.
 */
hint?: boolean, };

/**
 * A message's delivery state as its sender sees it. `sending` and `failed`
 * exist only on the sender's device (no ack yet / refused).
 */
export type DeliveryStatus = "sending" | "sent" | "delivered" | "read" | "failed";

/**
 * The body of an `error` frame.
 */
export type ErrorBody = { code: ErrorCode, message: string, 
/**
 * Set when the error answers a specific send or intent.
 */
client_msg_id?: ClientMsgId | null, 
/**
 * With `conflict`: the conversation's state the intent was judged
 * against, so the client can re-render and decide again.
 */
state?: HandoverState | null, 
/**
 * With `unsupported_version`: the versions the server can speak.
 */
supported_versions?: Array<number>, };

/**
 * Stable error codes. Receivers must tolerate codes they do not know
 * (they decode to [`ErrorCode::Unknown`]).
 */
export type ErrorCode = "bad_frame" | "too_large" | "unsupported_version" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "no_operator_available" | "handover_disabled" | "rate_limited" | "hello_required" | "internal";

/**
 * What happened. Handover events double as the input from which the
 * [`crate::Handover`] state is rebuilt after a restart.
 */
export type EventBody = { "type": "message", author: Author, text: string, client_msg_id?: ClientMsgId | null, 
/**
 * A bot reply that offers the visitor a human inline.
 */
offer_human?: boolean, 
/**
 * Operators only: what the operator wrote before it was translated
 * into the visitor's language (`text` is what the visitor got).
 * Servers strip it from every frame to a visitor
 * ([`ConversationEvent::for_visitor`]).
 */
original?: string | null, } | { "type": "help_requested", deadline: Timestamp, reason?: string | null, priority?: Priority, } | { "type": "request_cancelled" } | { "type": "request_lapsed" } | { "type": "operator_joined", operator: OperatorProfile, } | { "type": "operator_took_over", operator: OperatorProfile, previous: OperatorProfile, } | { "type": "transferred", from: OperatorProfile, to: OperatorProfile, } | { "type": "operator_left", operator: OperatorProfile, } | { "type": "visitor_ended_human", operator: OperatorProfile, } | { "type": "owner_gone", operator: OperatorProfile, deadline: Timestamp, reason: OwnerGoneReason, } | { "type": "resolved", by?: OperatorProfile | null, } | { "type": "message_left", email: string, text: string, } | { "type": "email_replied", operator: OperatorProfile, text: string, } | { "type": "rated", score: number, comment?: string | null, } | { "type": "transcript_requested", email: string, };

/**
 * Who has the conversation right now.
 */
export type HandoverState = { "state": "bot" } | { "state": "waiting", deadline: Timestamp, } | { "state": "human", operator: OperatorProfile, } | { "state": "resolved" };

/**
 * A page of the log, oldest first.
 */
export type HistoryPage = { events: Array<ConversationEvent>, 
/**
 * Older events exist before `events[0]`.
 */
has_more: boolean, };

/**
 * A run of text inside a block. Adjacent text is always one `Text`.
 */
export type Inline = { "type": "text", text: string, } | { "type": "bold", children: Array<Inline>, } | { "type": "italic", children: Array<Inline>, } | { "type": "code", text: string, } | { "type": "link", href: string, children: Array<Inline>, } | { "type": "break" };

/**
 * A span of time in milliseconds.
 */
export type Millis = number;

/**
 * An internal note on a conversation. Never sent to the visitor.
 */
export type Note = { id: string, author: OperatorProfile, text: string, at: Timestamp, };

/**
 * An operator account.
 */
export type OperatorId = string;

/**
 * How an operator appears to visitors.
 */
export type OperatorProfile = { id: OperatorId, 
/**
 * The name the visitor sees; confirmed by the operator when joining.
 */
name: string, avatar_url?: string | null, 
/**
 * A CSS colour for the operator's bubbles and banner, e.g. `#0b7a75`.
 */
colour?: string | null, };

/**
 * An operator's availability. Only the operator can make themselves
 * Available; the default after sign-in is Offline.
 */
export type OperatorStatus = "available" | "away" | "busy" | "offline";

/**
 * Inbox → server.
 */
export type OperatorToServer = { "type": "hello", protocol: number, features?: Array<string>, } | { "type": "set_status", status: OperatorStatus, } | { "type": "set_teammate_status", operator: OperatorId, status: OperatorStatus, } | { "type": "open", conversation: ConversationId, } | { "type": "history", conversation: ConversationId, before: Seq, limit: number, } | { "type": "join", conversation: ConversationId, client_msg_id: ClientMsgId, display_name: string, } | { "type": "take_over", conversation: ConversationId, client_msg_id: ClientMsgId, display_name: string, replacing: OperatorId, } | { "type": "transfer", conversation: ConversationId, client_msg_id: ClientMsgId, to: OperatorId, } | { "type": "leave", conversation: ConversationId, client_msg_id: ClientMsgId, } | { "type": "resolve", conversation: ConversationId, client_msg_id: ClientMsgId, } | { "type": "send", conversation: ConversationId, client_msg_id: ClientMsgId, 
/**
 * What the visitor receives.
 */
text: string, 
/**
 * When `text` is a translation: what the operator wrote. Stored
 * with the message and shown to operators only; never sent to the
 * visitor.
 */
original?: string | null, } | { "type": "reply_by_email", conversation: ConversationId, client_msg_id: ClientMsgId, text: string, } | { "type": "add_note", conversation: ConversationId, client_msg_id: ClientMsgId, text: string, } | { "type": "typing", conversation: ConversationId, typing: boolean, } | { "type": "receipt", conversation: ConversationId, delivered?: Seq | null, read?: Seq | null, } | { "type": "save_shortcut", client_msg_id: ClientMsgId, shortcut: ShortcutDraft, } | { "type": "delete_shortcut", client_msg_id: ClientMsgId, id: ShortcutId, } | { "type": "ping" };

export type OperatorWelcome = { protocol: number, features: Array<string>, me: OperatorProfile, role: Role, status: OperatorStatus, 
/**
 * The bots this operator may see (the inbox's source filter).
 */
bots: Array<BotInfo>, 
/**
 * Live conversations, most recent activity first.
 */
conversations: Array<ConversationSummary>, roster: Roster, shortcuts: Array<Shortcut>, 
/**
 * Which alerts this operator gets, and how.
 */
alert_prefs: AlertPrefs, };

/**
 * Why an owner no longer counts as present (see `absence`).
 */
export type OwnerGoneReason = "offline" | "deactivated" | "disconnected";

/**
 * How urgently a request needs a person. A bot may set it when it hands
 * over; a visitor's own request is `normal`.
 */
export type Priority = "normal" | "high" | "urgent";

/**
 * One side's marks in one conversation.
 */
export type ReceiptMarks = { 
/**
 * Everything up to this seq is stored on the participant's device.
 */
delivered: Seq, 
/**
 * Everything up to this seq has been shown to the participant.
 */
read: Seq, };

/**
 * Which conversation to continue, proven by its token, and the last `seq`
 * the client has applied.
 */
export type Resume = { conversation: ConversationId, token: VisitorToken, last_seq: Seq, };

export type Role = "admin" | "agent";

/**
 * The team's availability, with counts per bot ("2/3 online").
 */
export type Roster = { operators: Array<RosterEntry>, bots: Array<BotCount>, };

export type RosterEntry = { profile: OperatorProfile, status: OperatorStatus, role: Role, 
/**
 * The bots this teammate serves.
 */
bots: Array<BotId>, 
/**
 * At least one inbox of theirs is connected right now.
 */
connected: boolean, };

/**
 * Position of an event in its conversation's log: 1, 2, 3, … with no gaps.
 */
export type Seq = number;

/**
 * Server → inbox.
 */
export type ServerToOperator = { "type": "welcome" } & OperatorWelcome | { "type": "conversation" } & ConversationSummary | { "type": "conversation_removed", conversation: ConversationId, } | { "type": "event", conversation: ConversationId, event: ConversationEvent, } | { "type": "history", conversation: ConversationId, page: HistoryPage, notes?: Array<Note>, } | { "type": "note", conversation: ConversationId, note: Note, } | { "type": "ack", client_msg_id: ClientMsgId, seq: Seq, } | { "type": "done", client_msg_id: ClientMsgId, } | { "type": "roster" } & Roster | { "type": "typing", conversation: ConversationId, typing: boolean, } | { "type": "presence", conversation: ConversationId, presence: VisitorPresence, } | { "type": "receipts", conversation: ConversationId, visitor: ReceiptMarks, team: ReceiptMarks, } | { "type": "alert" } & Alert | { "type": "shortcuts", shortcuts: Array<Shortcut>, } | { "type": "pong" } | { "type": "going_away", retry_after: Millis, } | { "type": "error" } & ErrorBody;

/**
 * Server → widget.
 */
export type ServerToVisitor = { "type": "welcome" } & VisitorWelcome | { "type": "event" } & ConversationEvent | { "type": "ack", client_msg_id: ClientMsgId, seq: Seq, } | { "type": "availability" } & Availability | { "type": "typing", author: Author, typing: boolean, } | { "type": "receipts", team: ReceiptMarks, } | { "type": "history" } & HistoryPage | { "type": "queue", 
/**
 * 1 for the first in line.
 */
position: number, 
/**
 * Whole minutes; absent while there is too little recent data to
 * say (show "a few minutes").
 */
estimate_minutes?: number | null, } | { "type": "pong" } | { "type": "going_away", retry_after: Millis, } | { "type": "error" } & ErrorBody;

/**
 * A saved reply, inserted by typing `/trigger` in the composer.
 */
export type Shortcut = { id: ShortcutId, 
/**
 * Without the slash, e.g. `returns`.
 */
trigger: string, text: string, 
/**
 * Absent in frames from before team shortcuts: `mine`.
 */
scope: ShortcutScope, };

export type ShortcutDraft = { id?: ShortcutId | null, trigger: string, text: string, 
/**
 * Which list it goes to (absent: `mine`); an edit keeps the scope the
 * reply has.
 */
scope: ShortcutScope, };

export type ShortcutId = string;

/**
 * Whose a saved reply is. Only admins change team replies; a personal
 * trigger shadows a team one for its owner.
 */
export type ShortcutScope = "mine" | "team";

/**
 * Milliseconds since the Unix epoch (UTC).
 */
export type Timestamp = number;

export type VisitorHello = { 
/**
 * The protocol version the client speaks: [`crate::PROTOCOL_VERSION`].
 */
protocol: number, 
/**
 * Optional features the client understands (see [`crate::FEATURES`]).
 */
features?: Array<string>, bot: BotId, 
/**
 * Present when resuming a conversation; absent for a new visitor.
 */
resume?: Resume | null, 
/**
 * The browser's language (`navigator.language`), a hint for operators.
 */
locale?: string | null, 
/**
 * The host page's URL, shown to operators ("on /pricing").
 */
page?: string | null, };

export type VisitorPresence = "online" | "reconnecting" | "lost";

/**
 * The conversation's state after the replay.
 */
export type VisitorSnapshot = { state: HandoverState, last_seq: Seq, availability: Availability, 
/**
 * How far the visitor's messages are delivered / read by the team.
 */
team_marks: ReceiptMarks, 
/**
 * The visitor's own marks as the server holds them.
 */
visitor_marks: ReceiptMarks, };

/**
 * Widget → server.
 */
export type VisitorToServer = { "type": "hello" } & VisitorHello | { "type": "send", client_msg_id: ClientMsgId, text: string, } | { "type": "request_human", client_msg_id: ClientMsgId, } | { "type": "cancel_request", client_msg_id: ClientMsgId, } | { "type": "end_human", client_msg_id: ClientMsgId, } | { "type": "typing", typing: boolean, } | { "type": "receipt", delivered?: Seq | null, read?: Seq | null, } | { "type": "history", before: Seq, limit: number, } | { "type": "identify", name?: string | null, email?: string | null, } | { "type": "ping" } | { "type": "keep_waiting", client_msg_id: ClientMsgId, } | { "type": "leave_message", client_msg_id: ClientMsgId, email: string, text: string, } | { "type": "rate", client_msg_id: ClientMsgId, score: number, comment?: string | null, } | { "type": "transcript", client_msg_id: ClientMsgId, email: string, };

/**
 * The visitor's bearer secret for one conversation: server-issued, random,
 * at least 128 bits, stored only hashed. Never logged, hence no `Display`.
 */
export type VisitorToken = string;

export type VisitorWelcome = { 
/**
 * The protocol version the server will speak on this connection.
 */
protocol: number, 
/**
 * The optional features both sides understand.
 */
features: Array<string>, conversation: ConversationId, 
/**
 * Sent only when the server started a new conversation: store it and
 * present it in the next `hello`.
 */
token?: VisitorToken | null, 
/**
 * Every event after the client's `last_seq`, in order — or, when the
 * client is more than [`crate::MAX_REPLAY`] events behind, only the
 * newest ones, with `replay_limited` set: page back with `history`.
 */
replay: Array<ConversationEvent>, replay_limited?: boolean, snapshot: VisitorSnapshot, };
