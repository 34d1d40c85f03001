//! Starting the hub: every stored conversation's core rebuilt from its
//! log, the team loaded, and what the last run left owed (bot turns,
//! response windows, re-alerts) picked up again.

use super::*;

impl Hub {
    /// Loads every conversation's log and the team, and re-arms response
    /// windows that were running when the server stopped.
    /// Each bot with who answers for it (`None`: nobody — human-only, or a
    /// bot that only hands over). Hints go to the in-process bus (one
    /// process); see [`Hub::start_with_bus`].
    pub fn start(
        store: impl Store + 'static,
        bots: Vec<(BotSettings, Option<Arc<dyn Bot>>)>,
    ) -> Result<Arc<Hub>, StoreError> {
        let bus = crate::bus::InProcessBus::new(crate::bus::ProcessId::random());
        Hub::start_with_bus(store, bots, Arc::new(bus))
    }

    /// [`Hub::start`] on `bus`, which carries hints to other processes.
    pub fn start_with_bus(
        store: impl Store + 'static,
        bots: Vec<(BotSettings, Option<Arc<dyn Bot>>)>,
        bus: Arc<dyn crate::bus::Bus>,
    ) -> Result<Arc<Hub>, StoreError> {
        let engines: HashMap<_, _> = bots
            .iter()
            .filter_map(|(settings, bot)| Some((settings.id.clone(), bot.clone()?)))
            .collect();
        let mut bots: Vec<BotSettings> = bots.into_iter().map(|(settings, _)| settings).collect();
        for settings in &mut bots {
            crate::settings::load_or_seed(&store, settings)?;
        }
        let bot_ids: Vec<BotId> = bots.iter().map(|b| b.id.clone()).collect();
        let mut live = Live {
            bots: bots.into_iter().map(|b| (b.id.clone(), b)).collect(),
            alert_prefs: store.alert_prefs()?.into_iter().collect(),
            ..Live::default()
        };
        // Bot turns under way when the server stopped (answered below, once),
        // and requests still waiting (their re-alerts armed below).
        let mut owed = Vec::new();
        let mut waiting = Vec::new();
        for row in store.conversations()? {
            let log = store.log(&row.id)?;
            let email = store.visitor_email(&row.id)?;
            let id = row.id.clone();
            let conversation = Conversation::from_store(row, email, &log, &mut live.line);
            let events: Vec<_> = log.iter().map(|(e, _)| e.clone()).collect();
            let mode = live.bots.get(&conversation.bot).map(|b| b.mode);
            if let Some(text) = mode.and_then(|mode| conversation.core.owed_bot_turn(&events, mode)) {
                owed.push((id.clone(), text.to_owned()));
            }
            // A request still waiting: back in its bot's line, and its
            // half-window re-alert is armed again.
            if let Some(deadline) = conversation.core.handover().deadline() {
                live.line.restore(&conversation.bot, &id);
                let request = events.iter().rev().find(|e| {
                    matches!(&e.body, EventBody::HelpRequested { deadline: d, .. } | EventBody::OwnerGone { deadline: d, .. } if *d == deadline)
                });
                if let Some(request) = request {
                    waiting.push((id.clone(), request.clone()));
                }
            }
            live.conversations.insert(id, Box::new(conversation));
        }
        // Receipt marks persist (PROTOCOL.md §4.1); the log alone cannot say them.
        for (id, (visitor, team)) in store.all_marks()? {
            if let Some(conversation) = live.conversations.get_mut(&id) {
                conversation.core.visitor_marks = visitor;
                conversation.core.team_marks = team;
            }
        }
        store.grant_pending_bots(&bot_ids)?;
        let started = now();
        for row in store.operators()? {
            live.inbox_closed_since.insert(row.id.clone(), started);
            live.load_member(&row);
        }
        let process = bus.process().to_string();
        let hub = Arc::new_cyclic(|hub| Hub {
            store: Box::new(store),
            engines,
            live: Mutex::new(live),
            events: broadcast::channel(1024).0,
            metrics: crate::metrics::Metrics::default(),
            writer: Writer::start(hub.clone()),
            retired: writer_book::Retired::default(),
            email_ready: std::sync::atomic::AtomicBool::new(false),
            bus: crate::bus::HintSender::start(bus),
            timers: timers::Timers::start(hub.clone(), process),
        });
        let deadlines: Vec<_> = hub
            .lock()
            .conversations
            .iter()
            .filter_map(|(id, c)| Some((id.clone(), c.core.handover().deadline()?)))
            .collect();
        for (id, deadline) in deadlines {
            hub.arm_window(&id, deadline);
        }
        for (conversation, request) in waiting {
            hub.arm_unclaimed_alerts(&conversation, std::slice::from_ref(&request));
        }
        hub.check_all_owners();
        hub.follow_hints();
        for (conversation, text) in owed {
            tracing::info!(%conversation, "answering a visitor message whose bot turn the last run did not finish");
            hub.spawn_bot_turn(conversation, &text);
        }
        Ok(hub)
    }
}
