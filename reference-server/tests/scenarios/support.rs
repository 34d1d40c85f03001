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

impl Replay {
    /// Sends the step's input; who will answer it, with which id.
    async fn send_input(
        &mut self,
        here: &str,
        input: &Value,
        expect: &Value,
        at: u64,
    ) -> (Option<String>, Option<String>) {
        let conversation = self.conversation.clone();
        let text = |v: &Value| v["text"].as_str().expect("text").to_owned();
        let id_of = |v: &Value| ClientMsgId(v["id"].as_str().expect("id").to_owned());
        if let Some(m) = input.get("visitor_message") {
            send(
                &mut self.visitor,
                &VisitorToServer::Send {
                    client_msg_id: id_of(m),
                    text: text(m),
                },
            )
            .await;
            return (Some("visitor".into()), Some(id_of(m).0));
        }
        if let Some(m) = input.get("visitor_intent") {
            let client_msg_id = id_of(m);
            let frame = match m["intent"].as_str().expect("intent") {
                "request_human" => VisitorToServer::RequestHuman { client_msg_id },
                "cancel_request" => VisitorToServer::CancelRequest { client_msg_id },
                "end_human" => VisitorToServer::EndHuman { client_msg_id },
                "keep_waiting" => VisitorToServer::KeepWaiting { client_msg_id },
                other => panic!("{here}: visitor intent {other}"),
            };
            send(&mut self.visitor, &frame).await;
            return (Some("visitor".into()), Some(id_of(m).0));
        }
        let email = |v: &Value| v["email"].as_str().expect("email").to_owned();
        let visitor_frame = if let Some(m) = input.get("leave_message") {
            Some((
                id_of(m),
                VisitorToServer::LeaveMessage {
                    client_msg_id: id_of(m),
                    email: email(m),
                    text: text(m),
                },
            ))
        } else if let Some(m) = input.get("rate") {
            Some((
                id_of(m),
                VisitorToServer::Rate {
                    client_msg_id: id_of(m),
                    score: u8::try_from(m["score"].as_u64().expect("score")).expect("a small score"),
                    comment: m["comment"].as_str().map(str::to_owned),
                },
            ))
        } else {
            input.get("transcript").map(|m| {
                (
                    id_of(m),
                    VisitorToServer::Transcript {
                        client_msg_id: id_of(m),
                        email: email(m),
                    },
                )
            })
        };
        if let Some((id, frame)) = visitor_frame {
            send(&mut self.visitor, &frame).await;
            return (Some("visitor".into()), Some(id.0));
        }
        if let Some(m) = input.get("reply_by_email") {
            let op = m["operator"]["id"].as_str().expect("operator").to_owned();
            let frame = OperatorToServer::ReplyByEmail {
                conversation,
                client_msg_id: id_of(m),
                text: text(m),
            };
            send(self.ops.get_mut(&op).expect("operator"), &frame).await;
            return (Some(op), Some(id_of(m).0));
        }
        if let Some(m) = input.get("operator_message") {
            let op = m["operator"].as_str().expect("operator").to_owned();
            let frame = OperatorToServer::Send {
                conversation,
                client_msg_id: id_of(m),
                text: text(m),
                original: None,
            };
            send(self.ops.get_mut(&op).expect("operator"), &frame).await;
            return (Some(op), Some(id_of(m).0));
        }
        if let Some(m) = input.get("operator_intent") {
            let client_msg_id = id_of(m);
            let (kind, body) = m["intent"].as_object().and_then(|o| o.iter().next()).expect("intent");
            let name = |v: &Value| v["name"].as_str().expect("name").to_owned();
            let (op, frame) = match kind.as_str() {
                "join" => (
                    body["operator"]["id"].clone(),
                    OperatorToServer::Join {
                        conversation,
                        client_msg_id,
                        display_name: name(&body["operator"]),
                    },
                ),
                "take_over" => (
                    body["operator"]["id"].clone(),
                    OperatorToServer::TakeOver {
                        conversation,
                        client_msg_id,
                        display_name: name(&body["operator"]),
                        replacing: OperatorId(body["replacing"].as_str().expect("replacing").into()),
                    },
                ),
                "transfer" => (
                    body["from"].clone(),
                    OperatorToServer::Transfer {
                        conversation,
                        client_msg_id,
                        to: OperatorId(body["to"]["id"].as_str().expect("to").into()),
                    },
                ),
                "leave" => (
                    body["operator"].clone(),
                    OperatorToServer::Leave {
                        conversation,
                        client_msg_id,
                    },
                ),
                "resolve" => (
                    body["operator"]["id"].clone(),
                    OperatorToServer::Resolve {
                        conversation,
                        client_msg_id,
                    },
                ),
                other => panic!("{here}: operator intent {other}"),
            };
            let op = op.as_str().expect("operator id").to_owned();
            send(self.ops.get_mut(&op).expect("operator"), &frame).await;
            return (Some(op), Some(id_of(m).0));
        }
        if let Some(m) = input.get("bot_reply") {
            self.drain_turns();
            match self.pending.pop_front() {
                Some(turn) => {
                    let reply = BotReply {
                        text: text(m),
                        offer_human: m["offer_human"].as_bool().unwrap_or(false),
                        handover: serde_json::from_value(m["handover"].clone()).expect("a bot handover"),
                    };
                    let _ = turn.send(reply);
                }
                // The server never asked: no reply can come. The script must
                // say it changes nothing.
                None => assert_eq!(*expect, json!({}), "{here}: a bot reply nobody asked for"),
            }
            return (None, None);
        }
        if input == "timeout" {
            let due = self
                .deadlines
                .iter()
                .filter(|(script, _)| **script <= at)
                .map(|(_, real)| *real)
                .max();
            if let Some(real) = due {
                let wait = real.saturating_sub(hub_now()) + 300;
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            return (None, None);
        }
        if let Some(m) = input.get("owner_gone") {
            // The server's own judgement (§7.12); of its causes a client can
            // bring about only this one: the operator goes Offline.
            assert_eq!(
                m["reason"], "offline",
                "{here}: only `offline` can be replayed over sockets"
            );
            let op = m["operator"].as_str().expect("operator").to_owned();
            self.set_status(&op, OperatorStatus::Offline).await;
            return (None, None);
        }
        if let Some(m) = input.get("visitor_receipt") {
            let seq = |k: &str| m[k].as_u64().map(Seq);
            send(
                &mut self.visitor,
                &VisitorToServer::Receipt {
                    delivered: seq("delivered"),
                    read: seq("read"),
                },
            )
            .await;
            return (None, None);
        }
        if let Some(m) = input.get("team_receipt") {
            let seq = |k: &str| m[k].as_u64().map(Seq);
            let frame = OperatorToServer::Receipt {
                conversation,
                delivered: seq("delivered"),
                read: seq("read"),
            };
            let ws = self.ops.values_mut().next().expect("an operator");
            send(ws, &frame).await;
            return (None, None);
        }
        panic!("{here}: no mapping for input {input}");
    }

    /// The `ack` or `error` answering `id` on `who`'s socket, as the script
    /// writes replies.
    async fn reply_on(&mut self, who: &str, id: &str) -> Value {
        let pick_visitor = |f: &ServerToVisitor| match f {
            ServerToVisitor::Ack { client_msg_id, seq } if client_msg_id.as_str() == id => {
                Some(json!({"ack": {"client_msg_id": id, "seq": seq}}))
            }
            ServerToVisitor::Error(e) if e.client_msg_id.as_ref().is_some_and(|i| i.as_str() == id) => Some(error(e)),
            _ => None,
        };
        if who == "visitor" {
            // Events come before the ack: keep them for the step.
            return self.visitor_reply(pick_visitor).await;
        }
        let ws = self.ops.get_mut(who).expect("operator");
        recv_until(ws, |f: &ServerToOperator| match f {
            ServerToOperator::Ack { client_msg_id, seq } if client_msg_id.as_str() == id => {
                Some(json!({"ack": {"client_msg_id": id, "seq": seq}}))
            }
            ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|i| i.as_str() == id) => Some(error(e)),
            _ => None,
        })
        .await
    }
}
