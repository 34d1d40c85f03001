// Helpers of tests/scenarios.rs (included there, so they see its types).

/// A visitor's hello to the `demo` bot, resuming or not.
fn hello_with(resume: Option<Resume>) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: all_features(),
        bot: BotId("demo".into()),
        resume,
        locale: None,
        page: None,
    })
}

/// A fresh bearer session for operator `id`.
fn session(hub: &Hub, id: &str) -> String {
    let token = auth::new_secret();
    hub.store()
        .insert_session(&auth::secret_hash(&token), &OperatorId(id.into()), Timestamp(u64::MAX / 2))
        .expect("session");
    token
}

fn hub_now() -> u64 {
    baton_server::hub::now().0
}

/// An `error` frame as the script writes a reply: its code and state.
fn error(e: &ErrorBody) -> Value {
    let mut body = json!({"code": e.code});
    if let Some(state) = &e.state {
        body["state"] = json!(state);
    }
    json!({"error": body})
}

impl Replay {
    /// Turns the server asked for since the last look.
    fn drain_turns(&mut self) {
        while let Ok(turn) = self.turns.try_recv() {
            self.pending.push_back(turn);
        }
    }

    /// The visitor's next frame: those read past while looking for an
    /// answer first.
    async fn next_visitor(&mut self) -> ServerToVisitor {
        match self.backlog.pop_front() {
            Some(frame) => frame,
            None => visitor_frame(&mut self.visitor).await,
        }
    }

    /// Reads the visitor's socket until `pick` finds the answer, keeping
    /// every other frame for the step.
    async fn visitor_reply(&mut self, pick: impl Fn(&ServerToVisitor) -> Option<Value>) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let frame = tokio::time::timeout_at(deadline, visitor_frame(&mut self.visitor))
                .await
                .unwrap_or_else(|_| panic!("{}: no answer within 5 s", self.name));
            if let Some(answer) = pick(&frame) {
                return answer;
            }
            self.backlog.push_back(frame);
        }
    }

    /// A deadline the server set (`body.deadline`, for an event stored at
    /// `event_at`) matches the script's `want` (for a step at `step_at`) when
    /// both are their time plus their window; then it is written as the
    /// script's, and remembered.
    fn match_deadline(&mut self, here: &str, body: &mut Value, want: Option<&Value>, step_at: u64, event_at: u64) {
        let (Some(real), Some(want)) = (body.get("deadline").and_then(Value::as_u64), want.and_then(Value::as_u64))
        else {
            return;
        };
        assert_eq!(real.saturating_sub(event_at), WINDOW_MS, "{here}: the server's deadline is its window away");
        assert_eq!(want.saturating_sub(step_at), self.window, "{here}: the script's deadline is its window away");
        body["deadline"] = json!(want);
        self.deadlines.insert(want, real);
    }

    /// `value` with the server's deadlines written as the script's.
    fn to_script(&self, mut value: Value) -> Value {
        fn walk(value: &mut Value, back: &HashMap<u64, u64>) {
            match value {
                Value::Object(map) => {
                    for (key, v) in map.iter_mut() {
                        match v.as_u64().and_then(|d| back.get(&d)) {
                            Some(script) if key == "deadline" => *v = json!(script),
                            _ => walk(v, back),
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|v| walk(v, back)),
                _ => {}
            }
        }
        let back: HashMap<u64, u64> = self.deadlines.iter().map(|(s, r)| (*r, *s)).collect();
        walk(&mut value, &back);
        value
    }

    /// The handover state now, from a resumed visitor's welcome.
    async fn state_now(&mut self) -> Value {
        let mut ws = visitor_socket(&self.addr, ORIGIN).await.expect("visitor");
        let resume = Resume {
            conversation: self.conversation.clone(),
            token: self.token.clone(),
            last_seq: Seq(self.last_seq),
        };
        send(&mut ws, &hello_with(Some(resume))).await;
        let welcome = recv_until(&mut ws, |f: &ServerToVisitor| match f {
            ServerToVisitor::Welcome(w) => Some(w.clone()),
            _ => None,
        })
        .await;
        assert!(welcome.replay.is_empty(), "{}: the replay holds nothing new", self.name);
        json!(welcome.snapshot.state)
    }
}
