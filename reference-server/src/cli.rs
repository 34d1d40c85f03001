//! `baton-server operator …`: manage operator accounts in the data
//! directory's database without starting the server — how a new install
//! gets its first admin. Also the demo team `--demo` seeds.
//!
//! The commands write the configured store directly (the SQLite file, or
//! the PostgreSQL database of `--store`). A running server sees new
//! accounts and passwords at once (sign-in reads the database); a change of
//! role, bots or deactivation reaches open inboxes only after a restart, so
//! prefer the inbox's team page on a live server.

use crate::auth;
use crate::store::{self, OperatorRow, OperatorUpdate, Store};
use crate::team::{valid_email, valid_name, valid_password};
use baton_protocol::operator::{OperatorStatus, Role};
use baton_protocol::{BotId, OperatorId};
use clap::{Subcommand, ValueEnum};
use std::io::Write;

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Manage operator accounts (without starting the server).
    #[command(subcommand)]
    Operator(OperatorCommand),
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum OperatorCommand {
    /// Add an operator. Without --password, reads BATON_PASSWORD, or makes
    /// one up and prints it once.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The bots they serve, comma-separated [default: every configured bot].
        #[arg(long, value_delimiter = ',')]
        bots: Vec<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// List every operator: email, name, role, bots, active.
    List,
    /// Make an operator an admin or an agent.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Stop an operator signing in; ends their sessions.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (made up and printed when not given); ends their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleArg {
    Admin,
    Agent,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Agent => Role::Agent,
        }
    }
}

/// Runs a command on `store`; `bots` are the configured bots. What a person
/// should read goes to `out`; a refusal is the error.
pub fn run(command: Command, store: &dyn Store, bots: &[BotId], out: &mut impl Write) -> Result<(), String> {
    let Command::Operator(command) = command;
    store.grant_pending_bots(bots).map_err(failed)?;
    match command {
        OperatorCommand::Add {
            email,
            name,
            role,
            bots: wanted,
            password,
        } => {
            let serves = if wanted.is_empty() {
                bots.to_vec()
            } else {
                known_bots(wanted, bots)?
            };
            let (password, made_up) = password_from(password)?;
            let row = OperatorRow {
                id: OperatorId(format!("op-{}", auth::new_id())),
                email: valid_email(&email)?,
                name: valid_name(&name)?,
                password_hash: auth::hash_password(&password),
                role: role.into(),
                status: OperatorStatus::Offline,
                active: true,
                colour: None,
                avatar_url: None,
                bots: serves,
            };
            match store.add_operator(&row) {
                Err(store::StoreError::Duplicate) => return Err(format!("{} already has an account", row.email)),
                other => other.map_err(failed)?,
            }
            say(out, format!("Added {} ({}).", row.email, role_text(row.role)));
            if made_up {
                say(out, format!("Password (shown only now): {password}"));
            }
        }
        OperatorCommand::List => list(store, out)?,
        OperatorCommand::SetRole { email, role } => {
            let row = by_email(store, &email)?;
            let role = Role::from(role);
            if role != Role::Admin && store::is_last_active_admin(store, &row).map_err(failed)? {
                return Err("the team needs at least one active admin".into());
            }
            let update = OperatorUpdate {
                role: Some(role),
                ..OperatorUpdate::default()
            };
            store.update_operator(&row.id, &update).map_err(failed)?;
            say(out, format!("{} is now {}.", row.email, role_text(role)));
        }
        OperatorCommand::Deactivate { email } => {
            let row = by_email(store, &email)?;
            if store::is_last_active_admin(store, &row).map_err(failed)? {
                return Err("the team needs at least one active admin".into());
            }
            store::deactivate(store, &row.id).map_err(failed)?;
            say(out, format!("Deactivated {}; their sessions have ended.", row.email));
        }
        OperatorCommand::ResetPassword { email, password } => {
            let row = by_email(store, &email)?;
            let (password, made_up) = password_from(password)?;
            store
                .set_password_hash(&row.id, &auth::hash_password(&password))
                .map_err(failed)?;
            store.delete_operator_sessions(&row.id, None).map_err(failed)?;
            say(
                out,
                format!("New password set for {}; their sessions have ended.", row.email),
            );
            if made_up {
                say(out, format!("Password (shown only now): {password}"));
            }
        }
    }
    Ok(())
}

fn list(store: &dyn Store, out: &mut impl Write) -> Result<(), String> {
    let rows = store.operators().map_err(failed)?;
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let bots: Vec<&str> = r.bots.iter().map(|b| b.as_str()).collect();
            [
                r.email.clone(),
                r.name.clone(),
                role_text(r.role).to_owned(),
                if bots.is_empty() { "-".into() } else { bots.join(",") },
                if r.active { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let header = ["EMAIL", "NAME", "ROLE", "BOTS", "ACTIVE"].map(str::to_owned);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&table) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        say(out, cells.join("  ").trim_end().to_owned());
    }
    Ok(())
}

fn by_email(store: &dyn Store, email: &str) -> Result<OperatorRow, String> {
    store
        .operator_by_email(email.trim())
        .map_err(failed)?
        .ok_or_else(|| format!("no operator has the email {}", email.trim()))
}

fn known_bots(wanted: Vec<String>, configured: &[BotId]) -> Result<Vec<BotId>, String> {
    let mut bots = Vec::new();
    for bot in wanted.into_iter().map(|b| BotId(b.trim().to_owned())) {
        if !configured.contains(&bot) {
            let names: Vec<&str> = configured.iter().map(|b| b.as_str()).collect();
            return Err(format!(
                "there is no bot \"{bot}\" in the configuration (configured: {}); pass the server's --config",
                names.join(", ")
            ));
        }
        bots.push(bot);
    }
    Ok(bots)
}

/// The password given, else `BATON_PASSWORD`, else a new one (true: made up,
/// so it must be shown).
fn password_from(given: Option<String>) -> Result<(String, bool), String> {
    let given = given.or_else(|| std::env::var("BATON_PASSWORD").ok().filter(|p| !p.is_empty()));
    match given {
        Some(password) => {
            valid_password(&password)?;
            Ok((password, false))
        }
        None => Ok((auth::new_secret()[..20].to_owned(), true)),
    }
}

pub fn role_text(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        _ => "agent",
    }
}

fn failed(err: store::StoreError) -> String {
    format!("the database: {err}")
}

fn say(out: &mut impl Write, line: String) {
    // Nowhere to report a failed write to the terminal.
    let _ = writeln!(out, "{line}");
}

// ------------------------------------------------------------------ demo

/// A demo sign-in printed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub email: &'static str,
    pub password: &'static str,
    pub role: Role,
}

/// The team `--demo` seeds (again on every start): Dana, an admin on every
/// bot; Eli, an agent on `demo` only; Noor, an agent on `demo` and `help`
/// (those of them that are configured).
pub fn seed_demo(store: &dyn Store, configured: &[BotId]) -> store::Result<Vec<DemoAccount>> {
    // id, name, email, password, role, bots (`None`: every configured bot)
    type Seat = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Role,
        Option<&'static [&'static str]>,
    );
    let team: [Seat; 3] = [
        ("op-dana", "Dana", "dana@demo.baton", "handover-demo", Role::Admin, None),
        (
            "op-eli",
            "Eli",
            "eli@demo.baton",
            "eli-demo-pass",
            Role::Agent,
            Some(&["demo"]),
        ),
        (
            "op-noor",
            "Noor",
            "noor@demo.baton",
            "noor-demo-pass",
            Role::Agent,
            Some(&["demo", "help"]),
        ),
    ];
    let mut accounts = Vec::new();
    for (id, name, email, password, role, bots) in team {
        let bots = configured
            .iter()
            .filter(|b| bots.is_none_or(|only| only.contains(&b.as_str())))
            .cloned()
            .collect();
        store.upsert_operator(&OperatorRow::new(
            id,
            email,
            name,
            &auth::hash_password(password),
            role,
            bots,
        ))?;
        accounts.push(DemoAccount { email, password, role });
    }
    Ok(accounts)
}
